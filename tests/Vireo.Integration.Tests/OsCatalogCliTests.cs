using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo os list|info</c> through the built CLI and a real vireod reading /usr/share/osinfo and Vireo's overlay.</summary>
public sealed class OsCatalogCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_os_commands_list_and_show_the_osinfo_database_with_the_overlay_and_suggest_near_ids()
    {
        Assert.True(File.Exists("/usr/share/osinfo/os/debian.org/debian-11.xml"), "osinfo-db is not installed: run scripts/deps.sh");
        await using var h = await VireoHarness.StartAsync(output);

        var linux = (await h.VireoOk("os", "list", "--family", "linux")).Stdout;
        Assert.Matches(@"(?m)^debian12\s+Debian 12\s+linux\s+12\s+2023-06-10", linux);
        Assert.Contains("ubuntu22.04", linux);
        Assert.DoesNotContain("win10", linux);

        var json = JsonDocument.Parse((await h.VireoOk("os", "info", "debian12", "-o", "json")).Stdout).RootElement;
        Assert.Equal("http://debian.org/debian/12", json.GetProperty("id").GetString());
        Assert.Equal("debian11", json.GetProperty("resources_from").GetString());
        Assert.Equal(1073741824, json.GetProperty("minimum").GetProperty("memory_bytes").GetInt64());
        Assert.Equal(("virtio", "virtio"), (json.GetProperty("disk_bus").GetString(), json.GetProperty("nic_model").GetString()));

        var win = (await h.VireoOk("os", "info", "http://microsoft.com/win/10")).Stdout;
        Assert.Matches(@"Disk bus:\s+sata", win);
        Assert.Matches(@"NIC model:\s+e1000e", win);

        var unknown = await h.Vireo("os", "info", "debain12");
        Assert.True(unknown.ExitCode == 3, unknown.ToString());
        Assert.Contains("OS \"debain12\" does not exist", unknown.Stderr);
        Assert.Contains("Did you mean debian12", unknown.Stderr);
    }
}

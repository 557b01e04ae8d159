using System.Security.Cryptography;
using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo clone</c>: linked clones on qcow2 backing files, full copies, and the bases they protect.</summary>
public sealed class CloneTests(ITestOutputHelper output)
{
    private const string WaitForVda = "for i in $(seq 1 30); do [ -b /dev/vda ] && break; sleep 0.5; done; mkdir -p /mnt; ";

    [Fact]
    public async Task A_linked_clone_boots_and_writes_while_its_base_stays_unchanged_and_protected()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/gold-root.qcow2", "--size", "64M");
        await h.VireoOk("create", "--name", "gold", "--image", "tiny", "--memory", "128", "--network", "network=default", "--disk", "vol=default/gold-root.qcow2");
        await h.VireoOk("start", "gold");
        await h.WaitForSerialAsync("gold", "VIREO-GUEST-READY");
        var wrote = await h.VireoWithInput(WaitForVda + "mke2fs -q /dev/vda && mount /dev/vda /mnt && echo BASE-1 > /mnt/marker && umount /mnt && sync && echo DONE-$((1+1))\n", "console", "gold", "--idle", "10");
        Assert.Contains("DONE-2", wrote.Stdout);
        await h.VireoOk("shutdown", "gold", "--timeout", "60");
        var basePath = Path.Combine(h.StateDir, "pools", "default", "gold-root.qcow2");
        var baseHash = Hash(basePath);

        await h.VireoOk("clone", "gold", "web", "--linked");
        var vol = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/web-root.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.Equal("default/gold-root.qcow2", vol.GetProperty("backing").GetString());
        var gold = JsonDocument.Parse((await h.VireoOk("info", "gold", "-o", "json")).Stdout).RootElement;
        var web = JsonDocument.Parse((await h.VireoOk("info", "web", "-o", "json")).Stdout).RootElement;
        Assert.NotEqual(gold.GetProperty("spec").GetProperty("uuid").GetString(), web.GetProperty("spec").GetProperty("uuid").GetString());
        Assert.NotEqual(gold.GetProperty("spec").GetProperty("nics")[0].GetProperty("mac").GetString(),
            web.GetProperty("spec").GetProperty("nics")[0].GetProperty("mac").GetString());

        await h.VireoOk("start", "web");
        await h.WaitForSerialAsync("web", "VIREO-GUEST-READY");
        var read = await h.VireoWithInput(WaitForVda + "mount /dev/vda /mnt && cat /mnt/marker && echo CLONE-2 > /mnt/marker && umount /mnt && sync && echo DONE-$((2+1))\n", "console", "web", "--idle", "10");
        Assert.Contains("BASE-1", read.Stdout);
        Assert.Contains("DONE-3", read.Stdout);
        await h.VireoOk("destroy", "web");
        Assert.Equal(baseHash, Hash(basePath));

        // The base is protected: the source VM may not write it, and it cannot be deleted while the clone needs it.
        var start = await h.Vireo("start", "gold");
        Assert.Equal(2, start.ExitCode);
        Assert.Contains("base of linked clones (default/web-root.qcow2)", start.Stderr);
        await h.VireoOk("undefine", "gold");
        var delete = await h.Vireo("vol", "delete", "default/gold-root.qcow2");
        Assert.NotEqual(0, delete.ExitCode);
        Assert.Contains("web-root.qcow2", delete.Stderr);
        Assert.True(File.Exists(basePath));

        // A full clone of the linked clone is independent: no backing file, same content.
        await h.VireoOk("clone", "web", "solo");
        var solo = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/solo-root.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.False(solo.TryGetProperty("backing", out var backing) && backing.ValueKind == JsonValueKind.String);
        await ProcessRunner.RunOkAsync("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2",
            Path.Combine(h.StateDir, "pools", "default", "web-root.qcow2"), Path.Combine(h.StateDir, "pools", "default", "solo-root.qcow2"));
    }

    [Fact]
    public async Task A_clone_is_refused_while_the_source_runs_or_the_name_is_taken_and_nothing_is_made()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var image = Path.Combine(h.StateDir, "outside.raw");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "raw", image, "8M");
        await h.VireoOk("create", "--name", "src", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", $"path={image},format=raw");
        await h.VireoOk("create", "--name", "taken", "--image", "tiny", "--memory", "128", "--network", "none");
        var volumesBefore = (await h.VireoOk("vol", "list", "-o", "json")).Stdout;

        var taken = await h.Vireo("clone", "src", "taken");
        Assert.Equal(4, taken.ExitCode);
        Assert.Contains("a VM named \"taken\" already exists", taken.Stderr);
        var linkedPath = await h.Vireo("clone", "src", "copy", "--linked");
        Assert.Equal(2, linkedPath.ExitCode);
        Assert.Contains("outside the storage pools", linkedPath.Stderr);
        await h.VireoOk("start", "src");
        var running = await h.Vireo("clone", "src", "copy");
        Assert.Equal(4, running.ExitCode);
        Assert.Contains("hint: Shut it down first: vireo shutdown src", running.Stderr);
        await h.VireoOk("destroy", "src");
        Assert.Equal(volumesBefore, (await h.VireoOk("vol", "list", "-o", "json")).Stdout);

        // A path disk is copied into the default pool by a full clone.
        await h.VireoOk("clone", "src", "copy");
        var copy = JsonDocument.Parse((await h.VireoOk("disk", "list", "copy", "-o", "json")).Stdout).RootElement;
        Assert.Equal("default/copy-disk0.raw", copy[0].GetProperty("volume").GetString());
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}

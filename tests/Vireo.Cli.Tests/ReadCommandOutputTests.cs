using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class ReadCommandOutputTests : FakeDaemonTest
{
    [Fact]
    public async Task List_json_is_the_api_vm_summary_array_of_active_vms_and_nothing_else()
    {
        var result = await Vireo("list", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        var vms = doc.RootElement.EnumerateArray().ToList();
        // Stopped db1 is hidden without --all; running web1 and crashed cr1 are shown.
        Assert.Equal(["cr1", "web1"], vms.Select(v => v.GetProperty("name").GetString()));
        var web1 = vms[1];
        Assert.Equal(["name", "uuid", "state", "vcpus", "memory", "autostart", "pid"], web1.EnumerateObject().Select(p => p.Name));
        Assert.Equal("running", web1.GetProperty("state").GetString());
        Assert.Equal(4242, web1.GetProperty("pid").GetInt32());
        Assert.False(vms[0].TryGetProperty("pid", out _));
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task List_all_includes_stopped_vms()
    {
        var result = await Vireo("list", "--all", "--output", "json");
        var list = JsonSerializer.Deserialize(result.Stdout, VireoJsonContext.Default.ListVmSummary)!;
        Assert.Equal(["cr1", "db1", "web1"], list.Select(v => v.Name));
        Assert.Equal(VmState.Stopped, list[1].State);
    }

    [Fact]
    public async Task List_table_has_virsh_like_columns_and_rows()
    {
        var result = await Vireo("list", "--all");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.Equal(["NAME", "STATE", "VCPUS", "MEMORY", "AUTOSTART", "PID"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["web1", "running", "2", "1", "GiB", "no", "4242"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["db1", "stopped", "2", "1", "GiB", "no", "-"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Redirected output carries no ANSI escapes.
        Assert.DoesNotContain("\u001b[", result.Stdout);
    }

    [Fact]
    public async Task Info_json_is_the_api_vm_info_document()
    {
        var result = await Vireo("info", "web1", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal("web1", root.GetProperty("name").GetString());
        Assert.Equal("running", root.GetProperty("state").GetString());
        Assert.Equal(4242, root.GetProperty("runtime").GetProperty("pid").GetInt32());
        Assert.Equal("tcg", root.GetProperty("runtime").GetProperty("accel").GetString());
        Assert.Equal("qcow2", root.GetProperty("spec").GetProperty("disks")[0].GetProperty("format").GetString());
        Assert.Equal("destroy", root.GetProperty("spec").GetProperty("on_crash").GetString());
        Assert.True(root.TryGetProperty("defined_at", out _));
        Assert.Equal(("GET", "/v1/vms/web1"), (Sent()[0].Method, Sent()[0].PathAndQuery));
    }

    [Fact]
    public async Task Info_table_shows_state_reason_devices_and_tcg_warning()
    {
        var running = await Vireo("info", "web1");
        Assert.Equal(0, running.ExitCode);
        Assert.Contains("running", running.Stdout);
        Assert.Contains("/var/lib/vireo/web1.qcow2 (disk, qcow2", running.Stdout);
        Assert.Contains("software emulation", running.Stdout);
        Assert.Contains("vnc on 127.0.0.1:5900", running.Stdout);
        Assert.Contains("4242", running.Stdout);

        var crashed = await Vireo("info", "cr1");
        Assert.Contains("crashed (QEMU killed by signal 9)", crashed.Stdout);
    }

    [Fact]
    public async Task Dumpspec_prints_the_yaml_as_is()
    {
        var result = await Vireo("dumpspec", "web1");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("name: web1\nvcpus: 2\nmemory: 1024\n", result.Stdout);
    }

    [Fact]
    public async Task Output_format_other_than_table_or_json_is_a_usage_error()
    {
        var result = await Vireo("list", "-o", "yaml");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("yaml", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Empty(Sent());
    }
}

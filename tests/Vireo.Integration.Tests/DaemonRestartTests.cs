using System.Text.Json;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>QEMU processes outlive vireod; a restarted vireod re-attaches and never starts anything twice.</summary>
public sealed class DaemonRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Kill_9_of_vireod_leaves_three_vms_running_and_a_new_vireod_reattaches_to_all()
    {
        await using var h = await VireoHarness.StartAsync(output);
        foreach (var name in new[] { "a", "b", "c" })
            await h.StartTinyAsync(name);
        var before = h.QemuPids().Order().ToList();
        Assert.Equal(3, before.Count);

        await h.KillDaemonAsync();
        Assert.Equal(before, h.QemuPids().Order().ToList());
        await h.StartDaemonAsync();

        var list = await h.VireoOk("list", "-o", "json");
        var vms = JsonSerializer.Deserialize(list.Stdout, VireoJsonContext.Default.ListVmSummary)!;
        Assert.Equal(["a", "b", "c"], vms.Select(v => v.Name));
        Assert.All(vms, v => Assert.Equal(VmState.Running, v.State));
        Assert.Equal(before, vms.Select(v => v.Pid!.Value).Order().ToList());

        foreach (var name in new[] { "a", "b", "c" })
        {
            var answer = await h.VireoWithInput($"echo hello-from-{name}\n", "console", name);
            Assert.Contains($"hello-from-{name}", answer.Stdout);
        }
        Assert.Equal(before, h.QemuPids().Order().ToList());

        // The re-attached monitor still drives the VM.
        await h.VireoOk("shutdown", "b");
        Assert.Equal(2, h.QemuPids().Count);
    }

    [Fact]
    public async Task Vireod_started_in_the_root_directory_as_systemd_does_watches_no_files()
    {
        // The web host's default watched the working directory for appsettings.json, recursively: from "/" that was
        // ~43,000 inotify watches, a 15 s start, and a wake-up for every write on the host.
        await using var h = await VireoHarness.StartAsync(output);
        var pid = h.DaemonPid ?? throw new InvalidOperationException("vireod is not running");
        Assert.Equal("/", new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(false)?.FullName);
        var watchers = Directory.GetFiles($"/proc/{pid}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Count(target => target == "anon_inode:inotify");
        Assert.Equal(0, watchers);
    }

    [Fact]
    public async Task A_clean_stop_of_vireod_keeps_vms_running()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("keep");
        var pid = Assert.Single(h.QemuPids());
        await h.StopDaemonAsync();
        Assert.Equal(pid, Assert.Single(h.QemuPids()));
        Assert.False(File.Exists(h.Socket), "vireod removes its socket on a clean stop");
        await h.StartDaemonAsync();
        Assert.Contains("running", (await h.VireoOk("list")).Stdout);
    }

    [Fact]
    public async Task A_vm_that_died_while_vireod_was_down_is_marked_crashed_and_not_restarted()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("gone");
        await h.KillDaemonAsync();
        var pid = Assert.Single(h.QemuPids());
        VireoHarness.Signal(pid, Vireo.Qemu.UnixSignal.Kill);
        for (var i = 0; i < 50 && h.QemuPids().Count > 0; i++)
            await Task.Delay(100);

        await h.StartDaemonAsync();
        var info = await h.VireoOk("info", "gone", "-o", "json");
        Assert.Contains("\"state\": \"crashed\"", info.Stdout);
        Assert.Contains("while vireod was not running", info.Stdout);
        Assert.Empty(h.QemuPids());
        // A crashed VM starts again on request.
        await h.VireoOk("start", "gone");
        await h.WaitForSerialAsync("gone", "VIREO-GUEST-READY", times: 2);
    }

    [Fact]
    public async Task A_guest_powered_off_while_vireod_was_down_is_stopped_on_reattach()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("off");
        await h.KillDaemonAsync();
        // Power off from inside the guest while nobody watches: -no-shutdown keeps QEMU alive, stopped.
        var consoleSocket = Path.Combine(h.StateDir, "vms");
        var dir = Directory.GetDirectories(consoleSocket).Single();
        await SerialConsole.SendAsync(Path.Combine(dir, "console.sock"), "poweroff\n");
        await VireoHarness.WaitUntilAsync(() => File.ReadAllText(Path.Combine(dir, "serial.log")).Contains("Power down", StringComparison.Ordinal));
        Assert.Single(h.QemuPids());

        await h.StartDaemonAsync();
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0);
        var info = await h.VireoOk("info", "off", "-o", "json");
        Assert.Contains("\"state\": \"stopped\"", info.Stdout);
    }

    [Fact]
    public async Task Autostart_vms_start_with_vireod_and_running_ones_are_not_started_twice()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "auto", "--image", "tiny", "--memory", "128", "--autostart");
        await h.StartTinyAsync("manual", "--autostart");
        var manualPid = Assert.Single(h.QemuPids());

        await h.KillDaemonAsync();
        await h.StartDaemonAsync();
        await h.WaitForSerialAsync("auto", "VIREO-GUEST-READY");
        var pids = h.QemuPids();
        Assert.Equal(2, pids.Count);
        Assert.Contains(manualPid, pids);
    }
}

using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Guest panics (pvpanic → GUEST_PANICKED) and QEMU deaths drive the on_crash policy.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_guest_panic_marks_the_vm_crashed_and_ends_qemu_by_default()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("p");
        await h.VireoWithInput("echo c > /proc/sysrq-trigger\n", "console", "p");
        await WaitForStateAsync(h, "p", "crashed");
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0);
        Assert.Contains("guest kernel panic", (await h.VireoOk("info", "p", "-o", "json")).Stdout);
    }

    [Fact]
    public async Task On_crash_preserve_keeps_the_panicked_qemu_paused_until_destroyed()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("keep", "--on-crash", "preserve");
        await h.VireoWithInput("echo c > /proc/sysrq-trigger\n", "console", "keep");
        await WaitForStateAsync(h, "keep", "crashed");
        Assert.Single(h.QemuPids());
        var start = await h.Vireo("start", "keep");
        Assert.Equal(4, start.ExitCode);
        Assert.Contains("vireo destroy keep", start.Stderr);
        await h.VireoOk("destroy", "keep");
        Assert.Empty(h.QemuPids());
    }

    [Fact]
    public async Task On_crash_restart_starts_the_guest_again_after_qemu_is_killed()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("phoenix", "--on-crash", "restart");
        var pid = Assert.Single(h.QemuPids());
        VireoHarness.Signal(pid, Vireo.Qemu.UnixSignal.Kill);
        await h.WaitForSerialAsync("phoenix", "VIREO-GUEST-READY", times: 2);
        var newPid = Assert.Single(h.QemuPids());
        Assert.NotEqual(pid, newPid);
        await WaitForStateAsync(h, "phoenix", "running");
    }

    [Fact]
    public async Task Qemu_killed_under_a_running_vireod_is_reported_as_crashed()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("k");
        VireoHarness.Signal(Assert.Single(h.QemuPids()), Vireo.Qemu.UnixSignal.Kill);
        await WaitForStateAsync(h, "k", "crashed");
        Assert.Contains("QEMU exited unexpectedly", (await h.VireoOk("info", "k", "-o", "json")).Stdout);

        // The crash is a host alert on the event stream; read from vireod's kept events (id 0: all of them).
        using var client = h.Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Vireo.Contracts.VireoEvent? alert = null;
        await foreach (var e in client.WatchEventsAsync(vm: "k", type: "host.alert", lastEventId: 0, ct: cts.Token))
        {
            if (e.Type == Vireo.Contracts.EventTypes.HostAlert)
            {
                alert = e;
                break;
            }
        }
        Assert.NotNull(alert);
        Assert.Equal(("k", "crashed"), (alert.Vm, alert.State));
        Assert.Contains("QEMU exited unexpectedly", alert.Message);
    }

    private static async Task WaitForStateAsync(VireoHarness h, string name, string state)
    {
        string last = "";
        for (var i = 0; i < 300; i++)
        {
            last = (await h.VireoOk("info", name, "-o", "json")).Stdout;
            if (last.Contains($"\"state\": \"{state}\"", StringComparison.Ordinal))
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"{name} did not reach {state}:\n{last}\n{h.DaemonLog}");
    }
}

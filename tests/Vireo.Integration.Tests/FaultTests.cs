using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Issue 18, faults below the daemon, produced for real: QEMU killed, aborted and frozen (kill -9, SIGABRT, SIGSTOP
/// by PID), and what vireod makes of it. Each test records its figures in the reliability report.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Qemu_aborted_or_killed_is_marked_crashed_with_its_signal_and_restarted_with_a_doubling_back_off_until_a_crash_loop_stops_it()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "loop", "--image", "tiny", "--memory", "128", "--on-crash", "restart");
        await h.VireoOk("start", "loop");
        using var client = h.Client();

        var detect = new List<double>();
        var gaps = new List<double>();
        var pid = 0;
        for (var crash = 1; crash <= CrashRestartPolicyDelays.Length + 1; crash++)
        {
            // The PID vireod runs (not a launcher that is still daemonizing).
            Assert.NotEqual(pid, pid = (await WaitForAsync(client, "loop", VmState.Running, null)).Runtime!.Pid);
            var signal = crash == 1 ? UnixSignal.Abort : UnixSignal.Kill;
            var killed = Stopwatch.StartNew();
            Assert.True(VireoHarness.Signal(pid, signal));
            if (crash <= CrashRestartPolicyDelays.Length)
            {
                var delay = CrashRestartPolicyDelays[crash - 1];
                var info = await WaitForAsync(client, "loop", VmState.Crashed, $"restarting in {delay} s");
                detect.Add(killed.Elapsed.TotalSeconds);
                Assert.Contains(crash == 1 ? "aborted (SIGABRT" : "killed with SIGKILL", info.Reason);
                Assert.Contains($"quick crash {crash} of {CrashRestartPolicyDelays.Length}", info.Reason);
                // The back-off: no new QEMU before the delay, one after it.
                var previous = pid;
                await VireoHarness.WaitUntilAsync(() => h.QemuPids() is [var p] && p != previous, 60);
                gaps.Add(killed.Elapsed.TotalSeconds);
                Assert.True(killed.Elapsed.TotalSeconds >= delay * 0.9, $"restarted {killed.Elapsed.TotalSeconds:0.0} s after crash {crash}, before its {delay} s back-off");
            }
            else
            {
                var info = await WaitForAsync(client, "loop", VmState.Crashed, "crash loop");
                detect.Add(killed.Elapsed.TotalSeconds);
                Assert.Contains($"crashed {CrashRestartPolicyDelays.Length + 1} times in a row", info.Reason);
            }
        }
        // Given up: no restart comes (the next back-off would have been 16 s; wait for twice the last one's 8 s).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(h.QemuPids());
        var text = (await h.VireoOk("info", "loop")).Stdout;
        Assert.Contains("crash loop", text);
        // The crash loop is a host alert on the event stream too.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = false;
        await foreach (var e in client.WatchEventsAsync(vm: "loop", type: "host.alert", lastEventId: 0, ct: cts.Token))
        {
            if (e.Message?.Contains("crash loop", StringComparison.Ordinal) == true)
            {
                seen = true;
                break;
            }
        }
        Assert.True(seen);
        // A start by hand ends the loop's count: it runs, and a crash now restarts after 1 s again.
        await h.VireoOk("start", "loop");
        Assert.True(VireoHarness.Signal((await WaitForAsync(client, "loop", VmState.Running, null)).Runtime!.Pid, UnixSignal.Kill));
        await WaitForAsync(client, "loop", VmState.Crashed, "restarting in 1 s");

        ReliabilityReport.Record("fault", "QEMU aborted (SIGABRT), then killed (SIGKILL) 4 more times in a row, on_crash=restart",
            $"marked crashed with the signal in {string.Join("/", detect.Select(d => d.ToString("0.0")))} s; restarted after back-offs of " +
            $"{string.Join("/", CrashRestartPolicyDelays)} s (measured {string.Join("/", gaps.Select(g => g.ToString("0.0")))} s); " +
            "the 5th quick crash is a crash loop: left crashed, said in info and a host.alert event, until started by hand");
    }

    private static readonly int[] CrashRestartPolicyDelays = [1, 2, 4, 8];

    [Fact]
    public async Task A_frozen_qemu_leaves_vireod_responsive_and_destroy_ends_it_within_seconds()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        foreach (var name in new[] { "hung", "fine" })
        {
            await h.VireoOk("create", "--name", name, "--image", "tiny", "--memory", "128", "--network", "none");
            await h.VireoOk("start", name);
        }
        using var client = h.Client();
        var hungPid = (await client.GetVmAsync("hung")).Runtime!.Pid;
        Assert.True(VireoHarness.Signal(hungPid, UnixSignal.Stop));
        try
        {
            // vireod answers for everything else while one QEMU hangs: list, info, and QMP calls to another VM.
            var slowest = 0.0;
            foreach (var args in new[] { new[] { "list" }, ["info", "hung"], ["suspend", "fine"], ["resume", "fine"], ["info", "fine"], ["stats", "hung"] })
            {
                var sw = Stopwatch.StartNew();
                var r = await h.Vireo(args);
                slowest = Math.Max(slowest, sw.Elapsed.TotalSeconds);
                output.WriteLine($"vireo {string.Join(' ', args)}: {sw.Elapsed.TotalSeconds:0.00} s, exit {r.ExitCode}");
                if (args[0] != "stats")
                    Assert.Equal(0, r.ExitCode);
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"vireo {string.Join(' ', args)} took {sw.Elapsed.TotalSeconds:0.0} s while another QEMU hung");
            }
            Assert.Equal(VmState.Running, (await client.GetVmAsync("fine")).State);

            var destroy = Stopwatch.StartNew();
            await h.VireoOk("destroy", "hung");
            var seconds = destroy.Elapsed.TotalSeconds;
            Assert.True(seconds < 10, $"destroy of a frozen QEMU took {seconds:0.0} s");
            Assert.False(Vireo.Qemu.LinuxProcess.TryReadStat(hungPid) is { HasExited: false });
            var info = await client.GetVmAsync("hung");
            Assert.Equal(VmState.Stopped, info.State);
            Assert.Single(h.QemuPids());

            ReliabilityReport.Record("fault", "QEMU frozen with SIGSTOP (its monitor never answers)",
                $"list/info/suspend+resume of another VM answered in at most {slowest:0.00} s while it hung; " +
                $"destroy (SIGTERM, {3} s grace, SIGKILL) ended it in {seconds:0.0} s (was 30 s, the QMP timeout)");
        }
        finally
        {
            VireoHarness.Signal(hungPid, UnixSignal.Kill);
        }
    }

    [Fact]
    public async Task A_killed_dnsmasq_is_restarted_and_the_guests_lease_is_kept()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("web");
        var log = await h.WaitForSerialAsync("web", "VIREO-NET eth0");
        var match = System.Text.RegularExpressions.Regex.Match(log, @"VIREO-NET eth0 (\S+) (192\.168\.122\.\d+)/24");
        Assert.True(match.Success, log);
        var (mac, address) = (match.Groups[1].Value, match.Groups[2].Value);
        var dir = Path.Combine(h.StateDir, "networks", "default");
        var leases = Path.Combine(dir, "leases");
        await VireoHarness.WaitUntilAsync(() => File.Exists(leases) && File.ReadAllText(leases).Contains(address, StringComparison.Ordinal));
        var before = await File.ReadAllTextAsync(leases);

        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(dir, "dnsmasq.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("dnsmasq", string.Join(' ', LinuxProcess.TryReadCmdline(pid) ?? []));
        var killed = Stopwatch.StartNew();
        Assert.True(VireoHarness.Signal(pid, UnixSignal.Kill));
        int? again = null;
        await VireoHarness.WaitUntilAsync(() =>
        {
            again = File.Exists(Path.Combine(dir, "dnsmasq.pid")) && int.TryParse(File.ReadAllText(Path.Combine(dir, "dnsmasq.pid")).Trim(), out var p) && p != pid
                && LinuxProcess.TryReadStat(p) is { HasExited: false } ? p : null;
            return again is not null;
        }, 30);
        var restartedIn = killed.Elapsed.TotalSeconds;
        Assert.True(restartedIn < 10, $"dnsmasq came back after {restartedIn:0.0} s");

        // The lease file was read back, not truncated, and the guest's renewal gets the same address from the new dnsmasq.
        var after = await File.ReadAllTextAsync(leases);
        Assert.Contains(mac, after);
        Assert.Contains(address, after);
        var renew = await h.VireoWithInput("udhcpc -i eth0 -n -q -t 5 -s /bin/true\n", "console", "web", "--idle", "8");
        Assert.Contains($"lease of {address} obtained", renew.Stdout);
        Assert.Contains("dnsmasq restarted", h.DaemonLog);
        output.WriteLine($"leases before:\n{before}\nafter:\n{after}");

        ReliabilityReport.Record("fault", "dnsmasq of the default network killed with SIGKILL",
            $"vireod restarted it in {restartedIn:0.0} s (checked every 2 s); the lease file kept the guest's lease ({address}) and the guest's renewal got the same address");
    }

    [Fact]
    public async Task After_a_simulated_host_reboot_autostart_vms_and_networks_come_up_and_the_others_stay_off()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("net", "create", "side", "--subnet", "192.168.150.0/24", "--no-autostart");
        await h.VireoOk("net", "start", "side");
        await h.VireoOk("create", "--name", "auto", "--image", "tiny", "--memory", "128", "--autostart");
        await h.VireoOk("create", "--name", "manual", "--image", "tiny", "--memory", "128", "--network", "network=side", "--on-crash", "restart");
        await h.VireoOk("start", "auto");
        await h.VireoOk("start", "manual");
        Assert.Equal(2, h.QemuPids().Count);

        // The reboot, as the host would do it: every process gone at once, no clean-up by vireod, then the kernel's
        // networking empty (no tap, bridge or nftables table).
        await h.KillDaemonAsync();
        foreach (var pid in h.QemuPids())
            VireoHarness.Signal(pid, UnixSignal.Kill);
        var dnsmasqs = 0;
        foreach (var pidFile in Directory.GetFiles(Path.Combine(h.StateDir, "networks"), "dnsmasq.pid", SearchOption.AllDirectories))
        {
            var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (string.Join(' ', LinuxProcess.TryReadCmdline(pid) ?? []).Contains(h.StateDir, StringComparison.Ordinal) && VireoHarness.Signal(pid, UnixSignal.Kill))
                dnsmasqs++;
        }
        Assert.Equal(2, dnsmasqs);
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0);
        var ns = h.Namespace!;
        foreach (System.Text.RegularExpressions.Match link in System.Text.RegularExpressions.Regex.Matches((await ns.ExecOkAsync("ip", "-o", "link", "show")).Stdout, @"^\d+: ([^:@]+)", System.Text.RegularExpressions.RegexOptions.Multiline))
        {
            if (link.Groups[1].Value != "lo")
                await ns.ExecAsync("ip", "link", "del", link.Groups[1].Value);
        }
        await ns.ExecOkAsync("nft", "flush", "ruleset");
        Assert.DoesNotContain("vireo", (await ns.ExecOkAsync("ip", "-o", "link", "show")).Stdout);

        // A new boot: the test hook stands in for the kernel's new boot id.
        h.DaemonEnvironment["VIREO_TEST_BOOT_ID"] = Guid.NewGuid().ToString();
        var boot = Stopwatch.StartNew();
        await h.StartDaemonAsync();
        using var client = h.Client();
        await WaitForAsync(client, "auto", VmState.Running, null);
        var upIn = boot.Elapsed.TotalSeconds;
        var manual = await client.GetVmAsync("manual");
        Assert.Equal(VmState.Stopped, manual.State);
        Assert.Contains("host rebooted", manual.Reason);
        var nets = (await h.VireoOk("net", "list")).Stdout;
        var side = await h.VireoOk("net", "info", "side", "-o", "json");
        Assert.Contains("\"active\": false", side.Stdout);
        Assert.Contains("vireo-default", (await ns.ExecOkAsync("ip", "-o", "link", "show")).Stdout);
        Assert.DoesNotContain("vireo-side", (await ns.ExecOkAsync("ip", "-o", "link", "show")).Stdout);
        Assert.Contains("table ip vireo", (await ns.ExecOkAsync("nft", "list", "tables")).Stdout);
        await h.WaitForSerialAsync("auto", "VIREO-NET eth0", timeout: TimeSpan.FromSeconds(240));
        // Nothing restarts it later either (on_crash: restart is not for a reboot).
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(h.QemuPids());
        output.WriteLine(nets);

        ReliabilityReport.Record("fault", "host reboot simulated (vireod, QEMUs and dnsmasqs killed with SIGKILL; taps, bridges and nftables removed; new boot id)",
            $"the autostart VM ran again {upIn:0.0} s after vireod started and got its lease on the re-created default network; " +
            "the other VM is stopped (\"the host rebooted while it ran\"; its on_crash=restart not applied) and its non-autostart network stays down");
    }

    [Fact]
    public async Task A_second_vireod_on_the_same_host_is_refused_nat_networks_clearly_and_leaves_the_first_working()
    {
        await using var first = await VireoHarness.StartAsync(output);
        var ns = first.Namespace!;
        var tableBefore = (await ns.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout;
        Assert.Contains("192.168.122.0/24", tableBefore);
        await using var second = await VireoHarness.StartAsync(output, ns: ns);

        // Its default network is not silently half-made: there is none, and its log says why.
        Assert.Contains("another vireod", second.DaemonLog);
        Assert.DoesNotContain("default", (await second.VireoOk("net", "list")).Stdout);
        // Its first create names the conflict instead of failing obscurely; nothing is defined.
        TinyImage.EnsureBuilt();
        var create = await second.Vireo("create", "--name", "x", "--image", "tiny", "--memory", "128");
        Assert.Equal(2, create.ExitCode);
        Assert.Contains("another vireod", create.Stderr);
        Assert.Contains(first.StateDir, create.Stderr);
        Assert.Contains("--network user", create.Stderr);
        Assert.DoesNotContain("\"x\"", (await second.VireoOk("list", "-o", "json")).Stdout);
        var net = await second.Vireo("net", "create", "mine", "--subnet", "192.168.160.0/24");
        Assert.Equal(4, net.ExitCode);
        Assert.Contains("another vireod", net.Stderr);
        Assert.DoesNotContain("mine", (await second.VireoOk("net", "list")).Stdout);
        // Where nothing clashes it works: a VM with user networking runs.
        await second.VireoOk("create", "--name", "y", "--image", "tiny", "--memory", "128", "--network", "user");
        await second.VireoOk("start", "y");
        using (var client = second.Client())
            await WaitForAsync(client, "y", VmState.Running, null);
        await second.VireoOk("destroy", "y");
        await second.StopDaemonAsync();

        // The first is untouched, also after the second stopped: same nftables table, its bridge, and a VM on default.
        Assert.Equal(tableBefore, (await ns.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout);
        await first.StartTinyAsync("a");
        await first.WaitForSerialAsync("a", "VIREO-NET eth0", timeout: TimeSpan.FromSeconds(180));

        ReliabilityReport.Record("fault", "a second vireod with its own state directory in the same network namespace",
            "it takes no default network and refuses nat/isolated networks naming the first vireod (create exit 2, net create exit 4), " +
            "runs a user-networking VM, and leaves the first's nftables table, bridge and DHCP working, also after its clean stop");
    }

    internal static async Task<VmInfo> WaitForAsync(Vireo.Client.VireoClient client, string name, VmState state, string? reasonPart, int seconds = 90)
    {
        VmInfo? last = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            last = await client.GetVmAsync(name);
            if (last.State == state && (reasonPart is null || last.Reason?.Contains(reasonPart, StringComparison.Ordinal) == true))
                return last;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{name} did not reach {state} ({reasonPart}); last: {last?.State} ({last?.Reason})");
    }
}

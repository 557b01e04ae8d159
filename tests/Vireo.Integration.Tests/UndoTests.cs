using System.Diagnostics;
using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The engine's reverter on real operations: a failure or a cancellation at any step of a multi-step host change
/// leaves nothing behind (no QEMU, tap, netdev, dnsmasq, nft rule, lease, partial image or row). Faults are real where
/// a test can make them (QEMU frozen with SIGSTOP under a cancelled request, a bridge deleted under a start, all
/// a tap name taken by another link); elsewhere the test-only hook VIREO_TEST_FAIL_AT=operation/step fails the step.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class UndoTests(ITestOutputHelper output)
{
    private const UnixSignal SigStop = (UnixSignal)19;
    private const UnixSignal SigCont = (UnixSignal)18;

    /// <summary>Restarts vireod (running VMs keep running) with the test fault hook set to <paramref name="steps"/>.</summary>
    private static async Task FailAtAsync(VireoHarness h, string? steps)
    {
        await h.StopDaemonAsync();
        if (steps is null)
            h.DaemonEnvironment.Remove(Reverter.FailAtVariable);
        else
            h.DaemonEnvironment[Reverter.FailAtVariable] = steps;
        await h.StartDaemonAsync();
    }

    private static async Task<bool> LinkExistsAsync(VireoHarness h, string name) =>
        (await h.Namespace!.ExecAsync("ip", "-o", "link", "show", name)).ExitCode == 0;

    private static async Task<IReadOnlyList<string>> MacsAsync(VireoHarness h, string vm)
    {
        using var doc = JsonDocument.Parse((await h.VireoOk("info", vm, "-o", "json")).Stdout);
        return doc.RootElement.GetProperty("spec").GetProperty("nics").EnumerateArray().Select(n => n.GetProperty("mac").GetString()!).ToList();
    }

    private static NicSpec Nic(string mac) => new() { Type = "network", Network = "default", Mac = mac };

    /// <summary>
    /// The known bug: a NIC hot-plug cancelled while QEMU had netdev_add in hand left the netdev (and its tap) in QEMU.
    /// Now the undo is registered before the command, so QEMU runs netdev_add and then netdev_del. Then the same at
    /// each later step (test hook), and for real when the tap name is taken.
    /// </summary>
    [Fact]
    public async Task A_nic_hot_plug_cancelled_or_failing_at_any_step_leaves_no_netdev_tap_or_spec_change()
    {
        await using var h = await VireoHarness.StartAsync(output);
        // The guest must be up: an unplug (the undo of a device_add) needs its PCIe hot-plug driver.
        await h.StartTinyAsync("hp");
        var qemu = Assert.Single(h.QemuPids());
        var before = await MacsAsync(h, "hp");

        // 1. Cancelled for real: QEMU frozen, so netdev_add is sent and waits; the client gives up; QEMU thaws.
        const string cancelledMac = "52:54:00:18:00:01";
        var clock = Stopwatch.StartNew();
        using (var client = h.Client())
        using (var cts = new CancellationTokenSource())
        {
            Assert.True(VireoHarness.Signal(qemu, SigStop));
            try
            {
                // On a thread of its own: the client may do part of the request synchronously.
                var attach = Task.Run(() => client.AttachNicAsync("hp", Nic(cancelledMac), cts.Token));
                await Task.Delay(1500);
                Assert.False(attach.IsCompleted, $"the hot-plug should wait for the frozen QEMU: {attach.Exception?.InnerException?.Message ?? attach.Status.ToString()}");
                await cts.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attach);
                // vireod sees the aborted request and queues its undo behind the netdev_add QEMU has not read yet.
                await Task.Delay(1000);
            }
            finally
            {
                VireoHarness.Signal(qemu, SigCont);
            }
        }
        // Old behaviour: netdev_add ran once QEMU thawed and its tap stayed. Give QEMU time to run what it was sent.
        await Task.Delay(2000);
        Assert.False(await LinkExistsAsync(h, VmPlanner.TapName(cancelledMac)), "the cancelled hot-plug left its tap (netdev) in QEMU");
        Assert.Equal(before, await MacsAsync(h, "hp"));
        // The netdev id is free again: the same NIC plugs (a leftover netdev would make netdev_add fail with a duplicate id).
        await h.VireoOk("attach-interface", "hp", "--network", $"network=default,mac={cancelledMac}");
        Assert.True(await LinkExistsAsync(h, VmPlanner.TapName(cancelledMac)));
        var cancelledIn = clock.Elapsed;

        // 2. A failure after each step (test hook): the netdev (tap) goes, and a plugged device is unplugged.
        // Before device_add (netdev and tap in place) and after it (the device is unplugged again).
        var steps = new[] { "device-add", "save" };
        foreach (var (step, i) in steps.Select((s, i) => (s, i)))
        {
            await FailAtAsync(h, $"nic-hotplug/{step}");
            var mac = $"52:54:00:18:01:{i:x2}";
            var failed = await h.Vireo("attach-interface", "hp", "--network", $"network=default,mac={mac}");
            Assert.NotEqual(0, failed.ExitCode);
            Assert.Contains($"nic-hotplug/{step}: injected test fault", failed.Stderr);
            Assert.False(await LinkExistsAsync(h, VmPlanner.TapName(mac)), $"a failure at {step} left the tap of {mac}");
            Assert.DoesNotContain(mac, await MacsAsync(h, "hp"));
        }
        await FailAtAsync(h, null);

        // 3. Real: the tap name is taken by another interface (a bridge), so the tap cannot be made (vireod opens taps
        // for the unprivileged QEMU); the undo finds no netdev and leaves the other interface alone.
        const string takenMac = "52:54:00:18:02:01";
        var taken = VmPlanner.TapName(takenMac);
        await h.Namespace!.ExecOkAsync("ip", "link", "add", taken, "type", "bridge");
        var refused = await h.Vireo("attach-interface", "hp", "--network", $"network=default,mac={takenMac}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"cannot create tap {taken}", refused.Stderr);
        Assert.Contains("bridge", (await h.Namespace.ExecOkAsync("ip", "-d", "link", "show", taken)).Stdout);
        Assert.DoesNotContain(takenMac, await MacsAsync(h, "hp"));
        await h.Namespace.ExecOkAsync("ip", "link", "del", taken);
        Assert.Equal(qemu, Assert.Single(h.QemuPids()));
        ReliabilityReport.Record("undo", "NIC hot-plug cancelled while QEMU was frozen (SIGSTOP) with netdev_add in flight",
            $"netdev_del queued behind it: no tap, spec unchanged, the same NIC plugs afterwards ({cancelledIn.TotalSeconds:0.0} s)");
        ReliabilityReport.Record("undo", $"NIC hot-plug failing after {steps.Length} of its steps (test hook), and for real on a tap name taken by another link",
            "no tap, no netdev, spec unchanged each time; the other link untouched; the VM kept running");
    }

    /// <summary>
    /// A VM start failing at each step after QEMU was launched: the bridge deleted under it (real), then the test
    /// hook at each later step. Each time: no QEMU, no tap, no runtime files, the VM stopped with the reason.
    /// </summary>
    [Fact]
    public async Task A_vm_start_failing_at_any_step_leaves_no_qemu_tap_or_runtime_files()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "st", "--image", "tiny", "--memory", "128");
        var mac = (await MacsAsync(h, "st"))[0];
        string dir;
        using (var client = h.Client())
            dir = Path.Combine(h.StateDir, "vms", (await client.GetVmAsync("st")).Uuid!);

        async Task AssertNothingLeftAsync(string what)
        {
            Assert.Empty(h.QemuPids());
            Assert.False(await LinkExistsAsync(h, VmPlanner.TapName(mac)), $"{what}: tap left");
            foreach (var file in new[] { "qmp.sock", "qemu.pid" })
                Assert.False(File.Exists(Path.Combine(dir, file)), $"{what}: {file} left");
            var info = await h.VireoOk("info", "st", "-o", "json");
            using var doc = JsonDocument.Parse(info.Stdout);
            Assert.Equal("stopped", doc.RootElement.GetProperty("state").GetString());
        }

        // Real: the network's bridge vanishes under vireod; QEMU launches, its tap cannot join the bridge.
        await h.Namespace!.ExecOkAsync("ip", "link", "del", "vireo-default");
        var failed = await h.Vireo("start", "st");
        Assert.NotEqual(0, failed.ExitCode);
        await AssertNothingLeftAsync("bridge missing");

        // Right after the launch, in the middle, and the last step (cont); each costs a vireod restart.
        string[] steps = ["runtime", "balloon", "resume"];
        foreach (var step in steps)
        {
            await FailAtAsync(h, $"vm-start/{step}");
            failed = await h.Vireo("start", "st");
            Assert.NotEqual(0, failed.ExitCode);
            Assert.Contains($"vm-start/{step}: injected test fault", failed.Stderr);
            await AssertNothingLeftAsync(step);
        }
        // And the VM still starts once nothing fails (the undo left nothing that would be in its way).
        await FailAtAsync(h, null);
        await h.VireoOk("start", "st");
        Assert.Single(h.QemuPids());
        ReliabilityReport.Record("undo", $"VM start failing after QEMU launched: bridge deleted (real), then each of {steps.Length} later steps (test hook)",
            "no QEMU, tap, qmp.sock or pidfile left; state stopped; the next start succeeded");
    }

    /// <summary>
    /// Network create, forward add, volume create/clone and VM clone, failed at their late steps by the test hook:
    /// nothing of them stays on the host (bridge, dnsmasq, nft rules, leases/reservations, files) or in the store.
    /// </summary>
    [Fact]
    public async Task Network_forward_volume_and_clone_failures_leave_no_bridge_dnsmasq_rule_file_or_row()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/fw-root.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "fw", "--image", "tiny", "--memory", "128", "--disk", "vol=default/fw-root.qcow2");
        var pool = StorageKit.DefaultPool(h);
        var checks = 0;

        async Task<string> RulesetAsync() => (await h.Namespace!.ExecOkAsync("nft", "list", "ruleset")).Stdout;

        var volumesBefore = await StorageKit.SnapshotAsync(h);
        // Each vireod fails one step of several operations at once (a restart per step would cost minutes), never two
        // steps one operation passes through (a VM clone copies through volume-copy and volume-commit). A failed
        // network-start also hits the default network at vireod's start, so the forward is failed with none.
        string[][] rounds =
        [
            ["network-start/dnsmasq", "volume-create/commit", "clone/define"],
            ["network-start/firewall", "clone/uefi-vars"],
            ["network-start/taps", "volume-copy/commit"],
            ["forward-add/nft", "volume-commit/row", "snapshot-create/row"],
        ];
        foreach (var round in rounds)
        {
            await FailAtAsync(h, string.Join(',', round));
            foreach (var step in round)
            {
                string[] args = step.Split('/')[0] switch
                {
                    "network-start" => ["net", "create", "undo1", "--subnet", "10.91.0.0/24"],
                    "volume-create" or "volume-commit" => ["vol", "create", "default/undo.qcow2", "--size", "16M"],
                    "volume-copy" => ["vol", "clone", "default/fw-root.qcow2", "default/undo-copy.qcow2"],
                    "clone" => ["clone", "fw", "fw2"],
                    "snapshot-create" => ["snapshot", "create", "fw", "undo-snap"],
                    _ => ["net", "forward", "add", "default", "--host-port", "18022", "--to", "fw:22"],
                };
                var failed = await h.Vireo(args);
                Assert.NotEqual(0, failed.ExitCode);
                Assert.Contains($"{step}: injected test fault", failed.Stdout + failed.Stderr);
                checks++;
                // Network: no bridge, nft rules, row, directory (config, leases) or dnsmasq.
                Assert.False(await LinkExistsAsync(h, "vireo-undo1"), $"{step}: bridge left");
                Assert.DoesNotContain("10.91.0.0/24", await RulesetAsync());
                Assert.DoesNotContain("undo1", (await h.VireoOk("net", "list")).Stdout);
                Assert.False(Directory.Exists(Path.Combine(h.StateDir, "networks", "undo1")), $"{step}: network directory left");
                Assert.DoesNotContain(h.Namespace!.Pids(), pid => (LinuxProcess.TryReadCmdline(pid) ?? []).Any(a => a.Contains("undo1", StringComparison.Ordinal)));
                // Forward: no rule, no forward row, no reservation it made.
                Assert.DoesNotContain("18022", await RulesetAsync());
                using (var info = JsonDocument.Parse((await h.VireoOk("net", "info", "default", "-o", "json")).Stdout))
                {
                    Assert.Equal(0, info.RootElement.GetProperty("forwards").GetArrayLength());
                    Assert.Equal(0, info.RootElement.GetProperty("reservations").GetArrayLength());
                }
                // Snapshot: neither on the disk (qemu-img) nor in the store.
                Assert.DoesNotContain("undo-snap", (await ProcessRunner.RunOkAsync("qemu-img", "snapshot", "-l", "-U", Path.Combine(pool, "fw-root.qcow2"))).Stdout);
                Assert.DoesNotContain("undo-snap", (await h.VireoOk("snapshot", "list", "fw")).Stdout);
                if (step.StartsWith("snapshot", StringComparison.Ordinal))
                    continue; // qcow2 keeps the clusters a deleted snapshot's tables took: the file size may grow
                // Volumes and clone: the pools' files and the volume rows as before, no VM row.
                Assert.Equal(volumesBefore, await StorageKit.SnapshotAsync(h));
                Assert.DoesNotContain("fw2", (await h.VireoOk("list", "--all")).Stdout);
            }
        }
        Assert.DoesNotContain(Directory.EnumerateFiles(pool), f => Path.GetFileName(f).Contains("undo", StringComparison.Ordinal));
        ReliabilityReport.Record("undo", "network create, forward add, volume create/clone, VM clone and snapshot create failing at their late steps (test hook)",
            $"{checks} failures over {rounds.Length} vireod runs: no bridge, dnsmasq, nft rule, reservation, partial image, internal snapshot, volume, snapshot or VM row left");
    }
}

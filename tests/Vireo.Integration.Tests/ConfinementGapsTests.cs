using System.Diagnostics;
using System.Globalization;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Confinement where ConfinementTests does not look (docs/security.md): the per-VM cgroup of a vireod run under
/// `ip netns exec`, a state directory QEMU's uid cannot walk, files given back to their owners when QEMU is gone,
/// and uids unique across two vireods with their own state directories.
/// </summary>
[Trait("Category", "Reliability")]
public class ConfinementGapsTests(ITestOutputHelper output)
{
    private const int Dir0700 = 0x1c0;

    [Fact]
    public async Task Under_ip_netns_exec_qemu_gets_its_cgroup_and_a_state_dir_qemu_cannot_walk_is_refused_up_front()
    {
        // The default harness: vireod under `ip netns exec`, which gives it a fresh sysfs with an empty /sys/fs/cgroup.
        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        File.SetUnixFileMode(h.StateDir, (UnixFileMode)Dir0700);
        await h.StartDaemonAsync();
        Assert.Contains("mounted the cgroup hierarchies at /sys/fs/cgroup", h.DaemonLog);
        Assert.Contains($"the directory {h.StateDir} has mode 0700", h.DaemonLog);

        // A state directory QEMU's uid cannot walk: the start is refused with the directory, its mode and the fix.
        await h.VireoOk("create", "--name", "a", "--image", "tiny", "--memory", "128", "--network", "none");
        var refused = await h.Vireo("start", "a");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"the directory {h.StateDir} has mode 0700 (owner uid 0)", refused.Stderr);
        Assert.Contains($"chmod o+x {h.StateDir}", refused.Stderr);
        Assert.DoesNotContain("Permission denied", refused.Stderr);
        Assert.Empty(h.QemuPids());
        using (var client = h.Client())
        {
            var vm = await client.GetVmAsync("a");
            Assert.Equal(VmState.Stopped, vm.State);
            // Nothing changed: the VM got no uid (its directory, where it exists, is still root's).
            var dir = Path.Combine(h.StateDir, "vms", vm.Uuid);
            Assert.True(!Directory.Exists(dir) || UnixStat.Of(dir).Uid == 0);
        }

        File.SetUnixFileMode(h.StateDir, (UnixFileMode)0x1ed /* 0755 */);
        var watch = Stopwatch.StartNew();
        await h.VireoOk("start", "a");
        await h.WaitForSerialAsync("a", "VIREO-GUEST-READY");
        var pid = h.QemuPids().Single();
        string uuid;
        using (var client = h.Client())
            uuid = (await client.GetVmAsync("a")).Uuid;

        // QEMU's own view (/proc/PID/cgroup): the memory and cpu hierarchies both put it in vireo/vm-UUID.
        var cgroups = File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).ToList();
        var memoryLine = cgroups.Single(f => f[1].Split(',').Contains("memory") || (f[1] == "" && !cgroups.Any(g => g[1].Split(',').Contains("memory"))));
        var expectedPath = memoryLine[1] == "" ? $"/vireo.slice/vm-{uuid}.scope" : $"/vireo/vm-{uuid}";
        Assert.Equal(expectedPath, memoryLine[2]);
        if (memoryLine[1] != "")
            Assert.Equal(expectedPath, cgroups.Single(f => f[1].Split(',').Contains("cpu"))[2]);
        // The limits, read from the host's view of the same cgroups (this test runs in the host's mount namespace).
        var limits = new List<string>();
        foreach (var cg in VmCgroup.Dirs(uuid))
        {
            Assert.Contains(pid.ToString(CultureInfo.InvariantCulture), File.ReadAllLines(Path.Combine(cg, "cgroup.procs")));
            foreach (var (file, expected) in new[]
            {
                ("memory.limit_in_bytes", ((128 + 128 + VmCgroup.OverheadMiB) * 1024 * 1024).ToString(CultureInfo.InvariantCulture)),
                ("memory.max", ((128 + 128 + VmCgroup.OverheadMiB) * 1024 * 1024).ToString(CultureInfo.InvariantCulture)),
                ("cpu.cfs_quota_us", VmCgroup.PeriodMicroseconds.ToString(CultureInfo.InvariantCulture)),
                ("cpu.max", $"{VmCgroup.PeriodMicroseconds} {VmCgroup.PeriodMicroseconds}"),
            })
            {
                var path = Path.Combine(cg, file);
                if (!File.Exists(path)) continue;
                Assert.Equal(expected, File.ReadAllText(path).Trim());
                limits.Add($"{file}={expected}");
            }
        }
        Assert.Equal(2, limits.Count);
        var started = watch.Elapsed.TotalSeconds;

        await h.VireoOk("destroy", "a");
        await VireoHarness.WaitUntilAsync(() => VmCgroup.Dirs(uuid).All(d => !Directory.Exists(d)), 20);

        ReliabilityReport.Record("confinement", "per-VM cgroup of a vireod under `ip netns exec` (fresh sysfs, empty /sys/fs/cgroup)",
            $"vireod mounted the host's hierarchies in its own mount namespace; QEMU's /proc/PID/cgroup: {expectedPath}; {string.Join(", ", limits)} (128 MiB guest, 1 vCPU); ready {started:0.0} s after start; removed at destroy");
        ReliabilityReport.Record("confinement", "state directory QEMU's uid cannot walk (0700)",
            "refused before any change: vireod warns at start, `vireo start` exits non-zero naming the directory, mode 0700 and the fix (chmod o+x or a state dir under /var/lib); no QEMU, VM stopped, no uid given");
    }

    [Fact]
    public async Task Files_go_back_to_their_owner_when_qemu_is_gone_after_detach_destroy_shutdown_crash_and_reattach()
    {
        await using var h = await VireoHarness.StartAsync(output);
        // A user's disk (uid 4242, group 4243, 0640) and a spare one (4244:4244, 0604) that is hot-plugged and unplugged.
        var disk = Path.Combine(h.StateDir, "data.qcow2");
        var spare = Path.Combine(h.StateDir, "spare.qcow2");
        foreach (var (file, uid, gid, mode) in new[] { (disk, 4242, 4243, 0x1a0), (spare, 4244, 4244, 0x184) })
        {
            await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", file, "16M");
            Vireo.Host.Linux.SystemGroups.Chown(file, uid, gid);
            File.SetUnixFileMode(file, (UnixFileMode)mode);
        }
        await h.VireoOk("create", "--name", "a", "--image", "tiny", "--memory", "128", "--network", "none");
        await h.VireoOk("disk", "attach", "a", disk, "--format", "qcow2");
        string uuid;
        using (var client = h.Client())
            uuid = (await client.GetVmAsync("a")).Uuid;
        var vmDir = Path.Combine(h.StateDir, "vms", uuid);
        void AssertGivenBack(string file, int uid, int gid, int mode, string when)
        {
            var st = UnixStat.Of(file);
            Assert.True(st.Uid == uid && st.Gid == gid && (st.Mode & 0xfff) == mode,
                $"{when}: {file} is {st.Uid}:{st.Gid} {Convert.ToString(st.Mode & 0xfff, 8)}, expected {uid}:{gid} {Convert.ToString(mode, 8)}");
        }
        bool OwnedByQemu(string file) => UnixStat.Of(file).Uid >= QemuConfinement.UidBase && (UnixStat.Of(file).Mode & 0xfff) == 0x180;
        async Task<int> StartAndWaitOwnedAsync()
        {
            await h.VireoOk("start", "a");
            await VireoHarness.WaitUntilAsync(() => OwnedByQemu(disk), 30);
            return UnixStat.Of(vmDir).Uid;
        }

        // Running: the disk is the VM's (uid 0600); another QEMU uid cannot read it.
        var uidA = await StartAndWaitOwnedAsync();
        Assert.Equal(uidA, UnixStat.Of(disk).Uid);
        var asOther = await ProcessRunner.RunAsync("/usr/bin/setpriv", [$"--reuid={uidA + 1}", $"--regid={QemuConfinement.Gid}", "--clear-groups", "--", "head", "-c", "1", disk], null, new Dictionary<string, string>());
        Assert.NotEqual(0, asOther.ExitCode);
        Assert.Contains("Permission denied", asOther.Stderr);
        await h.WaitForSerialAsync("a", "VIREO-GUEST-READY");

        // Hot-plugged then unplugged: the spare is given back at once, while the VM runs on.
        await h.VireoOk("disk", "attach", "a", spare, "--format", "qcow2");
        Assert.Equal(uidA, UnixStat.Of(spare).Uid);
        await h.VireoOk("disk", "detach", "a", spare);
        AssertGivenBack(spare, 4244, 4244, 0x184, "after detach");
        Assert.Equal(uidA, UnixStat.Of(disk).Uid);

        // Destroy.
        await h.VireoOk("destroy", "a");
        AssertGivenBack(disk, 4242, 4243, 0x1a0, "after destroy");
        // Given back, it is still closed to another VM's QEMU (its owner's 0640 lets no QEMU uid in).
        asOther = await ProcessRunner.RunAsync("/usr/bin/setpriv", [$"--reuid={uidA + 1}", $"--regid={QemuConfinement.Gid}", "--clear-groups", "--", "head", "-c", "1", disk], null, new Dictionary<string, string>());
        Assert.NotEqual(0, asOther.ExitCode);

        // Shutdown from inside the guest.
        await StartAndWaitOwnedAsync();
        await h.WaitForSerialAsync("a", "VIREO-GUEST-READY", times: 2);
        await SerialConsole.SendAsync(Path.Combine(vmDir, "console.sock"), "poweroff\n");
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0, 60);
        await VireoHarness.WaitUntilAsync(() => !OwnedByQemu(disk), 10);
        AssertGivenBack(disk, 4242, 4243, 0x1a0, "after the guest powered off");

        // Crash: QEMU killed with SIGKILL.
        await StartAndWaitOwnedAsync();
        var watch = Stopwatch.StartNew();
        Assert.True(VireoHarness.Signal(h.QemuPids().Single(), Vireo.Qemu.UnixSignal.Kill));
        await VireoHarness.WaitUntilAsync(() => !OwnedByQemu(disk), 20);
        var crashGiveBack = watch.Elapsed.TotalSeconds;
        AssertGivenBack(disk, 4242, 4243, 0x1a0, "after QEMU was killed");
        using (var client = h.Client())
            Assert.Equal(VmState.Crashed, (await client.GetVmAsync("a")).State);

        // Found dead at re-attach: vireod killed, then QEMU killed while no vireod watched.
        await StartAndWaitOwnedAsync();
        await h.KillDaemonAsync();
        Assert.True(VireoHarness.Signal(h.QemuPids().Single(), Vireo.Qemu.UnixSignal.Kill));
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0, 20);
        Assert.True(OwnedByQemu(disk));
        await h.StartDaemonAsync();
        AssertGivenBack(disk, 4242, 4243, 0x1a0, "after vireod found QEMU dead at re-attach");

        ReliabilityReport.Record("confinement", "files given back when QEMU is gone (a user's disk 4242:4243 0640)",
            $"uid {uidA} 0600 while running; back to 4242:4243 0640 after destroy, guest power-off, SIGKILL of QEMU ({crashGiveBack:0.0} s) and re-attach of a VM found dead; a hot-unplugged disk went back at detach; another QEMU uid could read it in neither state");
    }

    [Fact]
    public async Task Two_vireods_with_their_own_state_directories_never_give_two_vms_one_uid()
    {
        await using var h1 = await VireoHarness.StartInHostNamespaceAsync(output);
        await using var h2 = await VireoHarness.StartAsync(output);
        await Task.WhenAll(h1.StartTinyAsync("one", "--network", "none"), h2.StartTinyAsync("two", "--network", "none"));
        var dirs = new List<string>();
        var uids = new List<int>();
        foreach (var h in new[] { h1, h2 })
        {
            using var client = h.Client();
            var name = h == h1 ? "one" : "two";
            var dir = Path.Combine(h.StateDir, "vms", (await client.GetVmAsync(name)).Uuid);
            var uid = UnixStat.Of(dir).Uid;
            var pid = h.QemuPids().Single();
            var status = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            Assert.Equal(uid, status.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).Distinct().Single());
            // The host-wide registry names this VM's directory as the holder of its uid.
            Assert.Equal(dir, QemuUidRegistry.Holder(uid));
            dirs.Add(dir);
            uids.Add(uid);
        }
        Assert.NotEqual(uids[0], uids[1]);
        // The second daemon's QEMU uid cannot get into the first daemon's VM directory.
        var denied = await ProcessRunner.RunAsync("/usr/bin/setpriv", [$"--reuid={uids[1]}", $"--regid={QemuConfinement.Gid}", "--clear-groups", "--", "ls", dirs[0]], null, new Dictionary<string, string>());
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("Permission denied", denied.Stderr);

        ReliabilityReport.Record("confinement", "two vireods with their own state directories start a VM each",
            $"uids {uids[0]} and {uids[1]} (registered host-wide in {QemuUidRegistry.Dir}); the second VM's uid is refused the first VM's directory (EACCES)");
    }
}

using System.Diagnostics;
using Vireo.Core.Engine;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// QEMU confined as libvirt confines it (docs/security.md): its own uid per VM, no capabilities, no_new_privs,
/// seccomp, a 0700 directory, and no way to open another VM's disk. Checked on two real tiny guests.
/// </summary>
[Trait("Category", "Reliability")]
public class ConfinementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_qemu_runs_as_its_own_unprivileged_uid_without_capabilities_and_cannot_read_another_vms_disk()
    {
        // In the host's namespaces (so no NIC); ConfinementGapsTests checks the cgroup of a vireod under `ip netns exec`.
        await using var h = await VireoHarness.StartInHostNamespaceAsync(output);
        await h.StartTinyAsync("a", "--network", "none");
        await h.StartTinyAsync("b", "--network", "none");
        var pids = h.QemuPids();
        Assert.Equal(2, pids.Count);

        var uids = new Dictionary<string, int>();
        var uuids = new Dictionary<string, string>();
        foreach (var name in new[] { "a", "b" })
        {
            using var client = h.Client();
            var vm = await client.GetVmAsync(name);
            var dir = Path.Combine(h.StateDir, "vms", vm.Uuid);
            var pid = pids.Single(p => File.ReadAllText($"/proc/{p}/cmdline").Contains(vm.Uuid, StringComparison.Ordinal));
            var status = File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).ToDictionary(f => f[0], f => f[1].Trim());

            // Real, effective, saved and file-system uid: all the VM's own, none 0 ("ps shows no QEMU as root").
            var uid = status["Uid"].Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Distinct().Single();
            Assert.InRange(uid, QemuConfinement.UidBase, QemuConfinement.UidBase + QemuConfinement.UidCount - 1);
            Assert.Equal(QemuConfinement.Gid, status["Gid"].Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Distinct().Single());
            Assert.Equal("", status["Groups"]);
            foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
                Assert.Equal("0000000000000000", status[set]);
            Assert.Equal("1", status["NoNewPrivs"]);
            Assert.Equal("2", status["Seccomp"]);
            Assert.Contains("spawn=deny", File.ReadAllText($"/proc/{pid}/cmdline"));

            var st = UnixStat.Of(dir);
            Assert.Equal(uid, st.Uid);
            Assert.Equal(0x1c0 /* 0700 */, st.Mode & 0xfff);
            uids[name] = uid;
            uuids[name] = vm.Uuid;

            // Its cgroup: the QEMU process in it, with the spec's limits (128 MiB guest + 128 MiB TCG cache + overhead; 1 vCPU).
            var cgroups = VmCgroup.Dirs(vm.Uuid);
            Assert.NotEmpty(cgroups);
            foreach (var cg in cgroups)
            {
                Assert.Contains(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllLines(Path.Combine(cg, "cgroup.procs")));
                if (File.Exists(Path.Combine(cg, "memory.limit_in_bytes")))
                    Assert.Equal((128 + 128 + VmCgroup.OverheadMiB) * 1024 * 1024, long.Parse(File.ReadAllText(Path.Combine(cg, "memory.limit_in_bytes")).Trim()));
                if (File.Exists(Path.Combine(cg, "memory.max")))
                    Assert.Equal((128 + 128 + VmCgroup.OverheadMiB) * 1024 * 1024, long.Parse(File.ReadAllText(Path.Combine(cg, "memory.max")).Trim()));
                if (File.Exists(Path.Combine(cg, "cpu.cfs_quota_us")))
                    Assert.Equal(VmCgroup.PeriodMicroseconds, long.Parse(File.ReadAllText(Path.Combine(cg, "cpu.cfs_quota_us")).Trim()));
                if (File.Exists(Path.Combine(cg, "cpu.max")))
                    Assert.Equal($"{VmCgroup.PeriodMicroseconds} {VmCgroup.PeriodMicroseconds}", File.ReadAllText(Path.Combine(cg, "cpu.max")).Trim());
            }
        }
        Assert.NotEqual(uids["a"], uids["b"]);

        // B's disk: owned by B's uid, mode 0600. Opened with A's QEMU's exact credentials, the kernel refuses it.
        // The tiny guest boots from kernel and initrd: B gets a disk by hot-plug, which gives it to B's uid.
        var diskOfB = Path.Combine(h.StateDir, "data-b.qcow2");
        Assert.Equal(0, (await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", diskOfB, "16M")).ExitCode);
        await h.VireoOk("disk", "attach", "b", diskOfB, "--format", "qcow2");
        Assert.Equal(uids["b"], UnixStat.Of(diskOfB).Uid);
        Assert.Equal(0x180 /* 0600 */, UnixStat.Of(diskOfB).Mode & 0xfff);
        var asA = await RunAsync("/usr/bin/setpriv", $"--reuid={uids["a"]}", $"--regid={QemuConfinement.Gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "head", "-c", "1", diskOfB);
        Assert.NotEqual(0, asA.ExitCode);
        Assert.Contains("Permission denied", asA.Stderr);
        // The same command as B's uid reads it: the refusal is the ownership, not the command.
        var asB = await RunAsync("/usr/bin/setpriv", $"--reuid={uids["b"]}", $"--regid={QemuConfinement.Gid}", "--clear-groups",
            "--", "head", "-c", "1", diskOfB);
        Assert.Equal(0, asB.ExitCode);

        // The API socket: root:vireo 0660.
        var socket = UnixStat.Of(h.Socket);
        Assert.Equal(0, socket.Uid);
        Assert.Equal(Vireo.Host.Linux.SystemGroups.Find(Vireo.Host.Linux.SystemGroups.Api), socket.Gid);
        Assert.Equal(0x1b0 /* 0660 */, socket.Mode & 0xfff);

        // Destroyed, A's QEMU leaves no cgroup behind.
        var cgroupsOfA = VmCgroup.Dirs(uuids["a"]);
        await h.VireoOk("destroy", "a");
        await VireoHarness.WaitUntilAsync(() => cgroupsOfA.All(d => !Directory.Exists(d)), 10);

        // No QEMU of this daemon runs as root.
        Assert.All(h.QemuPids(), p => Assert.DoesNotContain("\t0\t", File.ReadAllLines($"/proc/{p}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)) + "\t"));

        ReliabilityReport.Record("confinement", "QEMU's credentials (/proc/PID/status) for two running VMs",
            $"uids {uids["a"]} and {uids["b"]} (none 0), group {QemuConfinement.GroupName}, no supplementary groups; CapInh/Prm/Eff/Bnd/Amb all 0; NoNewPrivs 1; Seccomp 2 (spawn, elevateprivileges, obsolete, resourcecontrol denied); VM directories 0700");
        ReliabilityReport.Record("confinement", "per-VM cgroup and API socket",
            $"{string.Join(" + ", VmCgroup.Dirs(uuids["b"]).Select(Path.GetFileName).Distinct())} per VM ({(VmCgroup.Dirs(uuids["b"]).Count == 1 ? "cgroup v2" : "cgroup v1 memory+cpu")}): memory limit {128 + 128 + VmCgroup.OverheadMiB} MiB for 128 MiB guest, CPU quota 1 vCPU; removed at destroy; socket root:vireo 0660");
        ReliabilityReport.Record("confinement", "one VM's QEMU opens another VM's disk (A's uid/gid, no caps, reading B's disk)",
            $"refused: EACCES (B's disk is uid {uids["b"]} mode 0600); B's uid reads it");
    }

    private static async Task<(int ExitCode, string Stderr)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await err);
    }
}

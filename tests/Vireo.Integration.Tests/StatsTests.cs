using System.Text.Json;
using System.Text.RegularExpressions;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// vireo domstats and vireo top on a real guest: the counters move by what the guest did on its disk and its
/// network, a user-mode NIC says it has none, and top prints plain tables into a pipe.
/// </summary>
public sealed partial class StatsTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Domstats_counters_follow_the_guests_disk_and_network_work_and_top_prints_plain_tables()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("create", "--name", "off", "--image", "tiny", "--network", "none");
        await h.StartTinyAsync("stat", "--disk", "size=64M", "--network", "network=default", "--network", "user");
        var log = await h.WaitForSerialAsync("stat", "VIREO-NET eth0");
        var address = LeaseLine().Match(log) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no lease:\n{log}");

        var before = await StatsAsync(h, "stat");
        Assert.Equal(VmState.Running, before.State);
        Assert.Equal(Assert.Single(h.QemuPids()), before.Pid);
        Assert.Equal(128 * MiB, before.Memory!.ConfiguredBytes);
        Assert.Equal(128 * MiB, before.Memory.ActualBytes);
        // Every VM has a balloon; without max_memory it leaves the guest all of its memory.
        Assert.Equal(128 * MiB, before.Memory.BalloonActualBytes);
        Assert.True(before.Memory.RssBytes > 16 * MiB, $"RSS {before.Memory.RssBytes}");
        var vcpu = Assert.Single(before.Cpu!.Vcpus);
        Assert.True(vcpu.ThreadId > before.Pid, $"vCPU thread {vcpu.ThreadId} of PID {before.Pid}");
        Assert.True(before.Cpu.TimeNs > 0 && vcpu.TimeNs <= before.Cpu.TimeNs, $"{before.Cpu.TimeNs} {vcpu.TimeNs}");
        Assert.True(before.Cpu.HostCpus >= 1);
        var disk = Assert.Single(before.Disks!);
        Assert.Equal(("disk", "default/stat-disk0.qcow2"), (disk.Kind, disk.Source));
        Assert.Equal(2, before.Nics!.Count);
        Assert.StartsWith("vt", before.Nics[0].Tap);
        Assert.Null(before.Nics[1].RxBytes);
        Assert.Contains("user-mode networking", before.Nics[1].Unavailable);

        // Disk: 8 MiB written and synced, then 4 MiB read back past the page cache.
        var dd = await h.VireoWithInput(
            "dd if=/dev/zero of=/dev/vda bs=1M count=8 conv=fsync 2>/dev/null && echo 3 > /proc/sys/vm/drop_caches && " +
            "dd if=/dev/vda of=/dev/null bs=1M count=4 2>/dev/null && dd if=/dev/zero of=/www/big bs=1k count=256 2>/dev/null && echo DD-$((40+2))\n",
            "console", "stat", "--idle", "8");
        Assert.Contains("DD-42", dd.Stdout);
        // Network: 5 pings of 1400 bytes into the guest and back, and a 256 KiB page fetched from its HTTP server.
        var ns = h.Namespace!;
        await ns.ExecOkAsync("ping", "-c", "5", "-i", "0.2", "-s", "1400", address);
        var page = await ns.ExecOkAsync("curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", $"http://{address}/big");
        Assert.Equal("262144", page.Stdout.Trim());

        var after = await StatsAsync(h, "stat");
        var (d0, d1) = (before.Disks![0], after.Disks![0]);
        Assert.True(d1.WriteBytes - d0.WriteBytes >= 8 * MiB, $"wrote {d1.WriteBytes - d0.WriteBytes} bytes");
        Assert.True(d1.WriteOps > d0.WriteOps && d1.FlushOps > d0.FlushOps, $"{d0.WriteOps}->{d1.WriteOps} ops, {d0.FlushOps}->{d1.FlushOps} flushes");
        Assert.True(d1.ReadBytes - d0.ReadBytes >= 4 * MiB, $"read {d1.ReadBytes - d0.ReadBytes} bytes");
        var (n0, n1) = (before.Nics[0], after.Nics![0]);
        // The guest received the pings (5 x 1428 bytes on the wire) and sent the replies and the page.
        Assert.True(n1.RxBytes - n0.RxBytes >= 5 * 1428, $"guest received {n1.RxBytes - n0.RxBytes} bytes");
        Assert.True(n1.RxPackets - n0.RxPackets >= 5, $"guest received {n1.RxPackets - n0.RxPackets} packets");
        Assert.True(n1.TxBytes - n0.TxBytes >= 5 * 1428 + 262144, $"guest sent {n1.TxBytes - n0.TxBytes} bytes");
        Assert.True(n1.TxBytes - n0.TxBytes < 2 * MiB, $"guest sent {n1.TxBytes - n0.TxBytes} bytes");
        Assert.Null(after.Nics[1].TxBytes);
        Assert.True(after.Cpu!.TimeNs > before.Cpu.TimeNs);
        Assert.True(after.ClockNs > before.ClockNs);

        // Every VM: the stopped one by its state only.
        var all = await h.VireoOk("domstats", "-o", "json");
        var report = JsonSerializer.Deserialize(all.Stdout, VireoJsonContext.Default.StatsReport)!;
        Assert.Equal(["off", "stat"], report.Vms.Select(v => v.Name));
        Assert.Equal((VmState.Stopped, null, null, null), (report.Vms[0].State, report.Vms[0].Pid, report.Vms[0].Cpu, report.Vms[0].Disks));
        Assert.True(report.HostCpus >= 1 && report.HostMemoryBytes > 0);

        var table = await h.VireoOk("domstats", "stat");
        Assert.Contains("default/stat-disk0.qcow2", table.Stdout);
        Assert.Contains($"stat {before.Nics[1].Mac}: no counters: user-mode networking", table.Stdout);
        Assert.DoesNotContain(table.Stdout.Split('\n'), l => l != l.TrimEnd());
        var missing = await h.Vireo("domstats", "nope");
        Assert.Equal(3, missing.ExitCode);

        // top into a pipe: two plain tables, with the disk rate of a guest that keeps writing.
        var writer = await h.VireoWithInput(
            "(for i in $(seq 1 40); do dd if=/dev/zero of=/dev/vda bs=64k count=16 conv=fsync 2>/dev/null; sleep 0.1; done) & echo BG-$((1+1))\n",
            "console", "stat", "--idle", "2");
        Assert.Contains("BG-2", writer.Stdout);
        var top = await ProcessRunner.RunAsync("sh", ["-c", $"dotnet {Repo.CliDll} top -n 2 --delay 1 | cat"], null,
            new Dictionary<string, string> { ["VIREO_SOCKET"] = h.Socket, ["COLUMNS"] = "100" });
        output.WriteLine(top.Stdout);
        Assert.Equal(0, top.ExitCode);
        Assert.Equal("", top.Stderr);
        var lines = top.Stdout.Split('\n');
        Assert.DoesNotContain('\e', top.Stdout);
        Assert.All(lines, l => Assert.True(l == l.TrimEnd() && l.Length <= 100, $"\"{l}\""));
        Assert.Equal(2, lines.Count(l => l.StartsWith("vireo top - ", StringComparison.Ordinal)));
        var headers = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("NAME", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, headers.Count);
        Assert.All(headers, x => Assert.Equal("NAME  STATE    %CPU       MEM  DISK-RD/s  DISK-WR/s  NET-RX/s  NET-TX/s".Split(' ', StringSplitOptions.RemoveEmptyEntries), x.l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        var rows = headers.Select(x => lines[x.i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.All(rows, r => Assert.Equal(["stat", "running"], r[..2]));
        Assert.All(rows, r => Assert.Matches(@"^\d+\.\d$", r[2]));
        Assert.All(rows, r => Assert.Matches(@"^[\d.]+[KMG]?/[\d.]+[KMG]?$", r[3]));
        // Only the VM with a process has a row; the stopped one is counted in the summary line.
        Assert.DoesNotContain(lines, l => l.StartsWith("off ", StringComparison.Ordinal));
        Assert.Contains(rows, r => r[5] != "0");
        // One NIC is user-mode: the net figures say they leave it out.
        Assert.All(rows, r => Assert.EndsWith("*", r[6]));

        // A QEMU whose monitor does not answer (stopped by SIGSTOP) costs the request 2 s and its disk counters,
        // named in a warning; /proc still gives the rest.
        var pid = after.Pid!.Value;
        await ProcessRunner.RunOkAsync("kill", "-STOP", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var stuck = await StatsAsync(h, "stat");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
            Assert.Null(stuck.Disks);
            Assert.Contains(stuck.Warnings!, w => w.StartsWith("disk counters (query-blockstats) not read", StringComparison.Ordinal));
            Assert.True(stuck.Cpu!.TimeNs >= after.Cpu.TimeNs);
            Assert.NotNull(stuck.Nics![0].RxBytes);
        }
        finally
        {
            await ProcessRunner.RunOkAsync("kill", "-CONT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.NotNull((await StatsAsync(h, "stat")).Disks);
    }

    private static async Task<VmStats> StatsAsync(VireoHarness h, string vm)
    {
        var result = await h.VireoOk("domstats", vm, "-o", "json");
        return JsonSerializer.Deserialize(result.Stdout, VireoJsonContext.Default.VmStats)
            ?? throw new Xunit.Sdk.XunitException($"no stats in {result.Stdout}");
    }

    [GeneratedRegex(@"VIREO-NET eth0 \S+ (192\.168\.122\.\d+)/24 gw 192\.168\.122\.1")]
    private static partial Regex LeaseLine();
}

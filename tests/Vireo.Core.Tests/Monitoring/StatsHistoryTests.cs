using Vireo.Contracts;
using Vireo.Core.Monitoring;

namespace Vireo.Core.Tests.Monitoring;

public sealed class StatsHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static VmStats Sample(string name, int pid, double seconds, long cpuNs, long rss, long read, long written, long rx, long tx) => new()
    {
        Name = name,
        Uuid = "u-" + name,
        State = VmState.Running,
        Pid = pid,
        ClockNs = (long)(seconds * 1e9),
        SampledAt = T0.AddSeconds(seconds),
        Cpu = new VmCpuStats { TimeNs = cpuNs },
        Memory = new VmMemoryStats { RssBytes = rss },
        Disks = [new VmDiskStats { Device = "d0", Kind = "disk", ReadBytes = read / 2, WriteBytes = written }, new VmDiskStats { Device = "d1", Kind = "disk", ReadBytes = read - read / 2 }],
        Nics = [new VmNicStats { Mac = "52:54:00:00:00:01", Type = "network", RxBytes = rx, TxBytes = tx }],
    };

    private static StatsReport Report(params VmStats[] vms) => new() { Vms = [.. vms] };

    [Fact]
    public void The_ring_keeps_the_latest_points_oldest_first()
    {
        var ring = new StatsRing(3);
        for (var i = 1; i <= 5; i++)
            ring.Add(new StatsPoint { T = i });
        Assert.Equal([3L, 4, 5], ring.ToList().Select(p => p.T));
        Assert.Equal(3, ring.Count);
    }

    [Fact]
    public void A_point_is_the_rate_between_two_samples_of_one_process()
    {
        var a = Sample("web1", 100, 10, 2_000_000_000, 300, 1000, 0, 0, 0);
        var b = Sample("web1", 100, 15, 7_000_000_000, 400, 11_000, 5000, 2500, 500);
        var p = StatsHistoryStore.Between(a, b)!;
        Assert.Equal(1.0, p.Cpu);
        Assert.Equal(400, p.Mem);
        Assert.Equal(2000, p.DiskRd);
        Assert.Equal(1000, p.DiskWr);
        Assert.Equal(500, p.NetRx);
        Assert.Equal(100, p.NetTx);
        Assert.Equal(T0.AddSeconds(15).ToUnixTimeMilliseconds(), p.T);
    }

    [Fact]
    public void Samples_of_different_processes_or_out_of_order_make_no_point_and_counters_never_go_negative()
    {
        var a = Sample("web1", 100, 10, 5_000_000_000, 1, 100, 100, 100, 100);
        Assert.Null(StatsHistoryStore.Between(a, Sample("web1", 101, 15, 0, 1, 0, 0, 0, 0)));
        Assert.Null(StatsHistoryStore.Between(a, Sample("web1", 100, 10, 6_000_000_000, 1, 0, 0, 0, 0)));
        var p = StatsHistoryStore.Between(a, Sample("web1", 100, 20, 6_000_000_000, 1, 0, 0, 0, 0))!;
        Assert.Equal(0, p.DiskRd);
        Assert.Equal(0.1, p.Cpu);
    }

    [Fact]
    public void The_store_keeps_a_bounded_history_per_running_vm_and_forgets_stopped_ones()
    {
        var store = new StatsHistoryStore(intervalSeconds: 5, capacity: 4);
        for (var i = 0; i < 10; i++)
            store.Record(Report(Sample("web1", 100, i * 5, i * 1_000_000_000L, 1, 0, 0, 0, 0), Sample("db1", 200, i * 5, 0, 1, 0, 0, 0, 0)));
        var all = store.Snapshot();
        Assert.Equal(5, all.IntervalSeconds);
        Assert.Equal(["db1", "web1"], all.Vms.Keys);
        Assert.Equal(4, all.Vms["web1"].Count);
        Assert.All(all.Vms["web1"], p => Assert.Equal(0.2, p.Cpu));
        Assert.True(all.Vms["web1"].Zip(all.Vms["web1"].Skip(1)).All(x => x.First.T < x.Second.T));

        store.Record(Report(Sample("web1", 100, 50, 10_000_000_000, 1, 0, 0, 0, 0), new VmStats { Name = "db1", Uuid = "u", State = VmState.Stopped }));
        Assert.Equal(["web1"], store.Snapshot().Vms.Keys);
        Assert.Empty(store.Snapshot("db1").Vms["db1"]);

        // A new QEMU process starts a new history.
        store.Record(Report(Sample("web1", 300, 55, 0, 1, 0, 0, 0, 0)));
        Assert.Empty(store.Snapshot("web1").Vms["web1"]);
        store.Record(Report(Sample("web1", 300, 60, 500_000_000, 1, 0, 0, 0, 0)));
        Assert.Equal(0.1, Assert.Single(store.Snapshot("web1").Vms["web1"]).Cpu);
    }

    [Fact]
    public void Host_cpu_lines_parse_into_busy_and_total()
    {
        var (busy, total) = HostCpuMeter.Parse("cpu  100 5 50 800 20 3 2 0 0 0")!.Value;
        Assert.Equal(160, busy);
        Assert.Equal(980, total);
        Assert.Null(HostCpuMeter.Parse("intr 1 2 3"));
        var meter = new HostCpuMeter();
        Assert.Null(meter.Sample(2));
        Thread.Sleep(50);
        Assert.InRange(meter.Sample(2) ?? 0, 0, 2);
    }
}

using System.Collections.Concurrent;
using Vireo.Contracts;

namespace Vireo.Core.Monitoring;

/// <summary>A fixed number of the latest points, oldest first. Thread-safe.</summary>
public sealed class StatsRing
{
    private readonly StatsPoint[] _points;
    private readonly Lock _gate = new();
    private int _start;
    private int _count;

    public StatsRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _points = new StatsPoint[capacity];
    }

    public int Capacity => _points.Length;

    public int Count
    {
        get { lock (_gate) return _count; }
    }

    /// <summary>Adds a point; when full, the oldest one goes.</summary>
    public void Add(StatsPoint point)
    {
        lock (_gate)
        {
            if (_count < _points.Length)
            {
                _points[(_start + _count) % _points.Length] = point;
                _count++;
            }
            else
            {
                _points[_start] = point;
                _start = (_start + 1) % _points.Length;
            }
        }
    }

    /// <summary>The points, oldest first.</summary>
    public List<StatsPoint> ToList()
    {
        lock (_gate)
        {
            var list = new List<StatsPoint>(_count);
            for (var i = 0; i < _count; i++)
                list.Add(_points[(_start + i) % _points.Length]);
            return list;
        }
    }
}

/// <summary>
/// The short history behind the UI's graphs (<c>GET /v1/stats/history</c>): for each VM with a QEMU process, one
/// point per sample, as rates between two successive samples of that process. A VM without a process has none.
/// </summary>
public sealed class StatsHistoryStore(int intervalSeconds = 5, int capacity = 180)
{
    private readonly ConcurrentDictionary<string, Track> _tracks = new(StringComparer.Ordinal);

    /// <summary>Seconds between samples.</summary>
    public int IntervalSeconds { get; } = intervalSeconds;

    /// <summary>Points kept per VM (180 × 5 s = 15 minutes).</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Takes a sample of every VM; VMs missing from it, or without a process, lose their history.</summary>
    public void Record(StatsReport report)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in report.Vms)
        {
            if (vm.Pid is null || vm.ClockNs is null)
                continue;
            present.Add(vm.Name);
            var track = _tracks.GetOrAdd(vm.Name, _ => new Track(new StatsRing(Capacity)));
            lock (track)
            {
                if (track.Previous is { } previous && Between(previous, vm) is { } point)
                    track.Ring.Add(point);
                else if (track.Previous is { } restarted && restarted.Pid != vm.Pid)
                    track.Ring = new StatsRing(Capacity);
                track.Previous = vm;
            }
        }
        foreach (var name in _tracks.Keys)
        {
            if (!present.Contains(name))
                _tracks.TryRemove(name, out _);
        }
    }

    /// <summary>The history of one VM (an empty list when it has none), or of every VM.</summary>
    public StatsHistory Snapshot(string? vm = null)
    {
        var vms = new Dictionary<string, List<StatsPoint>>(StringComparer.Ordinal);
        if (vm is not null)
            vms[vm] = _tracks.TryGetValue(vm, out var one) ? Points(one) : [];
        else
        {
            foreach (var (name, track) in _tracks.OrderBy(t => t.Key, StringComparer.Ordinal))
                vms[name] = Points(track);
        }
        return new StatsHistory { IntervalSeconds = IntervalSeconds, Vms = vms };
    }

    private static List<StatsPoint> Points(Track track)
    {
        lock (track)
            return track.Ring.ToList();
    }

    /// <summary>
    /// The rates between two samples of one QEMU process: null when they are not of the same process, or not in
    /// order. A counter that went down (a disk unplugged and plugged again) counts as zero, never negative.
    /// </summary>
    public static StatsPoint? Between(VmStats previous, VmStats current)
    {
        if (previous.Pid != current.Pid || previous.ClockNs is not { } t0 || current.ClockNs is not { } t1 || t1 <= t0)
            return null;
        var seconds = (t1 - t0) / 1e9;
        double Rate(long? a, long? b) => a is { } x && b is { } y && y >= x ? (y - x) / seconds : 0;
        return new StatsPoint
        {
            T = (current.SampledAt ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(),
            Cpu = Math.Round(Rate(previous.Cpu?.TimeNs, current.Cpu?.TimeNs) / 1e9, 4),
            Mem = current.Memory?.RssBytes ?? 0,
            DiskRd = Math.Round(Rate(Sum(previous.Disks, d => d.ReadBytes), Sum(current.Disks, d => d.ReadBytes))),
            DiskWr = Math.Round(Rate(Sum(previous.Disks, d => d.WriteBytes), Sum(current.Disks, d => d.WriteBytes))),
            NetRx = Math.Round(Rate(Sum(previous.Nics, n => n.RxBytes ?? 0), Sum(current.Nics, n => n.RxBytes ?? 0))),
            NetTx = Math.Round(Rate(Sum(previous.Nics, n => n.TxBytes ?? 0), Sum(current.Nics, n => n.TxBytes ?? 0))),
        };
    }

    private static long? Sum<T>(List<T>? items, Func<T, long> value) => items?.Sum(value);

    private sealed class Track(StatsRing ring)
    {
        public StatsRing Ring { get; set; } = ring;
        public VmStats? Previous { get; set; }
    }
}

/// <summary>How busy the host's CPUs are, from the first line of /proc/stat between two readings.</summary>
public sealed class HostCpuMeter
{
    private readonly Lock _gate = new();
    private (long Busy, long Total)? _last;

    /// <summary>The CPUs kept busy since the previous call (null on the first), in cores.</summary>
    public double? Sample(int cpus)
    {
        var now = Read();
        lock (_gate)
        {
            var last = _last;
            _last = now;
            if (now is not { } n || last is not { } l || n.Total <= l.Total)
                return null;
            return Math.Round((double)(n.Busy - l.Busy) / (n.Total - l.Total) * cpus, 3);
        }
    }

    /// <summary>Busy and total jiffies of all CPUs (busy = everything but idle and iowait).</summary>
    public static (long Busy, long Total)? Parse(string statLine)
    {
        var f = statLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 5 || f[0] != "cpu")
            return null;
        long total = 0, idle = 0;
        // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice already).
        for (var i = 1; i < Math.Min(f.Length, 9); i++)
        {
            if (!long.TryParse(f[i], out var v))
                return null;
            total += v;
            if (i is 4 or 5)
                idle += v;
        }
        return (total - idle, total);
    }

    private static (long Busy, long Total)? Read()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            return reader.ReadLine() is { } line ? Parse(line) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

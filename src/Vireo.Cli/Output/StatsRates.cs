using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary>
/// Rates of one VM between two of vireod's samples. vireod hands out cumulative counters only; a rate is the
/// difference of two samples over the time between them (their <c>clock_ns</c>, the host's monotonic clock).
/// Each figure is null when it cannot be computed: no earlier sample of the same QEMU process, a counter that went
/// backwards (a device re-plugged), or no counter at all.
/// </summary>
/// <param name="CpuPercent">CPU time of the QEMU process as a share of all host CPUs, as virt-top shows it:
/// 100 means every host CPU was busy for this VM the whole interval.</param>
/// <param name="DiskReadPerSecond">Bytes per second the guest read, all disks together.</param>
/// <param name="DiskWritePerSecond">Bytes per second the guest wrote.</param>
/// <param name="NetRxPerSecond">Bytes per second the guest received, over the NICs that have counters.</param>
/// <param name="NetTxPerSecond">Bytes per second the guest sent.</param>
/// <param name="NetPartial">Some NICs have counters and some (user-mode ones) do not: the net figures leave those out.</param>
/// <param name="NetUnavailable">No NIC has counters (every NIC is user-mode): no net figures at all.</param>
internal sealed record VmRates(
    double? CpuPercent,
    double? DiskReadPerSecond,
    double? DiskWritePerSecond,
    double? NetRxPerSecond,
    double? NetTxPerSecond,
    bool NetPartial,
    bool NetUnavailable)
{
    /// <summary>Rates from <paramref name="previous"/> to <paramref name="current"/>; null when they are not two samples of one process.</summary>
    public static VmRates? Between(VmStats? previous, VmStats current)
    {
        var netUnavailable = current.Nics is { Count: > 0 } nics && nics.All(n => n.RxBytes is null);
        var netPartial = current.Nics is { } all && all.Any(n => n.RxBytes is null) && all.Any(n => n.RxBytes is not null);
        if (previous is null || previous.Uuid != current.Uuid || previous.Pid is null || previous.Pid != current.Pid
            || previous.ClockNs is not { } t0 || current.ClockNs is not { } t1 || t1 <= t0)
            return null;
        var seconds = (t1 - t0) / 1e9;

        double? cpu = null;
        if (previous.Cpu is { } c0 && current.Cpu is { } c1 && c1.TimeNs >= c0.TimeNs && c1.HostCpus > 0)
            cpu = 100.0 * (c1.TimeNs - c0.TimeNs) / (seconds * 1e9 * c1.HostCpus);

        double? read = null, write = null;
        if (previous.Disks is { } d0 && current.Disks is { } d1)
        {
            (read, write) = (0, 0);
            foreach (var disk in d1)
            {
                if (d0.FirstOrDefault(d => d.Device == disk.Device) is not { } before
                    || disk.ReadBytes < before.ReadBytes || disk.WriteBytes < before.WriteBytes)
                    continue;
                read += (disk.ReadBytes - before.ReadBytes) / seconds;
                write += (disk.WriteBytes - before.WriteBytes) / seconds;
            }
        }

        double? rx = null, tx = null;
        if (!netUnavailable && previous.Nics is { } n0 && current.Nics is { } n1)
        {
            (rx, tx) = (0, 0);
            foreach (var nic in n1)
            {
                if (nic is not { RxBytes: { } rx1, TxBytes: { } tx1 }
                    || n0.FirstOrDefault(n => n.Mac == nic.Mac) is not { RxBytes: { } rx0, TxBytes: { } tx0 }
                    || rx1 < rx0 || tx1 < tx0)
                    continue;
                rx += (rx1 - rx0) / seconds;
                tx += (tx1 - tx0) / seconds;
            }
        }
        return new VmRates(cpu, read, write, rx, tx, netPartial, netUnavailable);
    }
}

/// <summary>How stats figures are written in tables.</summary>
internal static class StatsFormat
{
    /// <summary>
    /// A byte count or rate in binary units, at most 5 characters: <c>0</c>, <c>512</c>, <c>1.5K</c>, <c>12K</c>,
    /// <c>263M</c>, <c>1.2G</c> (K = 1024 bytes); <c>-</c> when unknown.
    /// </summary>
    public static string Bytes(double? value)
    {
        if (value is not { } v || double.IsNaN(v) || v < 0)
            return "-";
        if (v < 1024)
            return Math.Round(v).ToString("0", CultureInfo.InvariantCulture);
        ReadOnlySpan<char> units = ['K', 'M', 'G', 'T', 'P'];
        var i = -1;
        while (i < units.Length - 1 && Math.Round(v, 1) >= 1024)
        {
            v /= 1024;
            i++;
        }
        return v < 9.95
            ? v.ToString("0.0", CultureInfo.InvariantCulture) + units[i]
            : Math.Round(v).ToString("0", CultureInfo.InvariantCulture) + units[i];
    }

    /// <summary>A CPU share with one decimal, <c>-</c> when unknown.</summary>
    public static string Percent(double? value) =>
        value is { } v && !double.IsNaN(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    /// <summary>A duration as <c>3d04h</c>, <c>5h12m</c>, <c>7m03s</c> or <c>42s</c>.</summary>
    public static string Uptime(long? seconds)
    {
        if (seconds is not { } s || s < 0)
            return "-";
        var t = TimeSpan.FromSeconds(s);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours:00}h"
            : t.TotalHours >= 1 ? $"{t.Hours}h{t.Minutes:00}m"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s"
            : $"{t.Seconds}s";
    }

    /// <summary>Nanoseconds of CPU time as seconds with two decimals (<c>12.34</c>).</summary>
    public static string CpuSeconds(long? ns) =>
        ns is { } n ? (n / 1e9).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>An exact counter.</summary>
    public static string Count(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary>What <c>vireo top</c> sorts by.</summary>
internal enum TopSort
{
    Cpu,
    Mem,
    Disk,
    Net,
    Name,
}

/// <summary>
/// One screen of <c>vireo top</c>: two summary lines, a blank line, then a row per VM with a QEMU process
/// (NAME STATE %CPU MEM DISK-RD/s DISK-WR/s NET-RX/s NET-TX/s), then the footnotes the rows need. Pure: the same
/// text goes to a terminal (redrawn in place) and to a pipe (one block per iteration).
/// </summary>
internal static class TopView
{
    public static readonly string[] SortNames = ["cpu", "mem", "disk", "net", "name"];

    public static TopSort ParseSort(string name) => name switch
    {
        "mem" => TopSort.Mem,
        "disk" => TopSort.Disk,
        "net" => TopSort.Net,
        "name" => TopSort.Name,
        _ => TopSort.Cpu,
    };

    /// <summary>A VM's line: its latest sample and the rates since the one before (null before a second sample).</summary>
    internal sealed record Row(VmStats Stats, VmRates? Rates);

    /// <summary>The rows of <paramref name="report"/>'s VMs that have a process, with rates against <paramref name="previous"/>.</summary>
    public static List<Row> Rows(StatsReport report, StatsReport? previous)
    {
        var before = previous?.Vms.ToDictionary(v => v.Uuid, StringComparer.Ordinal);
        return report.Vms.Where(v => v.Pid is not null)
            .Select(v => new Row(v, before is null ? null : VmRates.Between(before.GetValueOrDefault(v.Uuid), v)))
            .ToList();
    }

    public static IEnumerable<Row> Sorted(IEnumerable<Row> rows, TopSort sort)
    {
        var byName = rows.OrderBy(r => r.Stats.Name, StringComparer.Ordinal);
        return sort switch
        {
            TopSort.Cpu => byName.OrderByDescending(r => r.Rates?.CpuPercent ?? -1),
            TopSort.Mem => byName.OrderByDescending(r => r.Stats.Memory?.RssBytes ?? -1),
            TopSort.Disk => byName.OrderByDescending(r => (r.Rates?.DiskReadPerSecond ?? -1) + (r.Rates?.DiskWritePerSecond ?? 0)),
            TopSort.Net => byName.OrderByDescending(r => (r.Rates?.NetRxPerSecond ?? -1) + (r.Rates?.NetTxPerSecond ?? 0)),
            _ => byName,
        };
    }

    /// <summary>
    /// The lines of one screen, each at most <paramref name="width"/> characters, without trailing spaces. With
    /// <paramref name="maxLines"/> (a terminal's height) the rows that do not fit are left out and counted.
    /// </summary>
    public static List<string> Render(StatsReport report, StatsReport? previous, TopSort sort, int width, int? maxLines = null, double? delaySeconds = null)
    {
        var rows = Sorted(Rows(report, previous), sort).ToList();
        var lines = new List<string>();
        string Fit(string line) => line.Length > width ? line[..width].TrimEnd() : line.TrimEnd();

        int Count(VmState state) => report.Vms.Count(v => v.State == state);
        var inactive = report.Vms.Count(v => v.Pid is null);
        var time = report.SampledAt.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        lines.Add(Fit($"vireo top - {time}  {Plural(report.Vms.Count, "VM")}, {Count(VmState.Running)} running, " +
            $"{Count(VmState.Paused)} paused, {inactive} inactive  host: {Plural(report.HostCpus, "CPU")}, " +
            $"{StatsFormat.Bytes(report.HostMemoryBytes)} memory"));
        var withRates = rows.Where(r => r.Rates is not null).ToList();
        lines.Add(Fit(withRates.Count == 0 && rows.Count > 0
            ? $"rates need two samples: the first come after {Seconds(delaySeconds)}  sort {SortNames[(int)sort]}"
            : $"CPU {StatsFormat.Percent(withRates.Sum(r => r.Rates!.CpuPercent ?? 0))}%  " +
              $"RSS {StatsFormat.Bytes(rows.Sum(r => r.Stats.Memory?.RssBytes ?? 0))}  " +
              $"DISK {StatsFormat.Bytes(withRates.Sum(r => r.Rates!.DiskReadPerSecond ?? 0))}/s rd, " +
              $"{StatsFormat.Bytes(withRates.Sum(r => r.Rates!.DiskWritePerSecond ?? 0))}/s wr  " +
              $"NET {StatsFormat.Bytes(withRates.Sum(r => r.Rates!.NetRxPerSecond ?? 0))}/s rx, " +
              $"{StatsFormat.Bytes(withRates.Sum(r => r.Rates!.NetTxPerSecond ?? 0))}/s tx  sort {SortNames[(int)sort]}"));
        lines.Add("");

        var table = new ColumnTable(
            new TextColumn("NAME", Shrinkable: true),
            new TextColumn("STATE"),
            new TextColumn("%CPU", RightAligned: true),
            new TextColumn("MEM", RightAligned: true, Droppable: true),
            new TextColumn("DISK-RD/s", RightAligned: true, Droppable: true),
            new TextColumn("DISK-WR/s", RightAligned: true, Droppable: true),
            new TextColumn("NET-RX/s", RightAligned: true, Droppable: true),
            new TextColumn("NET-TX/s", RightAligned: true, Droppable: true));
        var footnotes = new SortedSet<string>(StringComparer.Ordinal);
        var room = maxLines is { } max ? Math.Max(0, max - lines.Count - 1 - 2) : int.MaxValue;
        foreach (var row in rows.Take(room))
        {
            var (s, r) = (row.Stats, row.Rates);
            string rx = StatsFormat.Bytes(r?.NetRxPerSecond), tx = StatsFormat.Bytes(r?.NetTxPerSecond);
            if (r is { NetUnavailable: true })
            {
                (rx, tx) = ("n/a", "n/a");
                footnotes.Add("n/a: the VM's NICs are user-mode: they have no tap, so nothing counts their traffic");
            }
            else if (r is { NetPartial: true })
            {
                (rx, tx) = (rx + "*", tx + "*");
                footnotes.Add("*: leaves out the VM's user-mode NICs, which have no tap and no counters");
            }
            if (s.Warnings is { Count: > 0 })
                footnotes.Add($"{s.Name}: {string.Join("; ", s.Warnings)}");
            table.AddRow(
                s.Name,
                Display.State(s.State),
                StatsFormat.Percent(r?.CpuPercent),
                $"{StatsFormat.Bytes(s.Memory?.RssBytes)}/{StatsFormat.Bytes(s.Memory?.ActualBytes)}",
                StatsFormat.Bytes(r?.DiskReadPerSecond),
                StatsFormat.Bytes(r?.DiskWritePerSecond),
                rx,
                tx);
        }
        lines.AddRange(table.Render(width));
        if (rows.Count > room)
            footnotes.Add($"{rows.Count - room} more VMs not shown: the terminal is too short");
        if (footnotes.Count > 0)
        {
            lines.Add("");
            lines.AddRange(footnotes.SelectMany(f => ColumnTable.Wrap(f, width)));
        }
        if (maxLines is { } limit && lines.Count > limit)
            lines.RemoveRange(limit, lines.Count - limit);
        return lines;
    }

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString("0.##", CultureInfo.InvariantCulture) + " s" : "the delay";
}

using System.Globalization;

namespace Vireo.Host.Linux;

/// <summary>CPU time of a process or thread from its <c>stat</c> file, in clock ticks (fields 14 and 15).</summary>
/// <param name="UserTicks">utime: ticks spent in user mode (for a process: all its threads, live and exited).</param>
/// <param name="SystemTicks">stime: ticks spent in the kernel on its behalf.</param>
public readonly record struct CpuTicks(long UserTicks, long SystemTicks)
{
    /// <summary>
    /// USER_HZ: the unit of the times in /proc/PID/stat. The kernel fixes it at 100 on every architecture Vireo runs
    /// on (x86_64, aarch64), whatever CONFIG_HZ is, so that user space can rely on it.
    /// </summary>
    public const long TicksPerSecond = 100;

    private const long NanosecondsPerTick = 1_000_000_000 / TicksPerSecond;

    /// <summary>User plus system time, in clock ticks.</summary>
    public long TotalTicks => UserTicks + SystemTicks;

    /// <summary>User time in nanoseconds (a multiple of 10 ms).</summary>
    public long UserNanoseconds => UserTicks * NanosecondsPerTick;

    /// <summary>System time in nanoseconds (a multiple of 10 ms).</summary>
    public long SystemNanoseconds => SystemTicks * NanosecondsPerTick;

    /// <summary>User plus system time in nanoseconds (a multiple of 10 ms).</summary>
    public long TotalNanoseconds => TotalTicks * NanosecondsPerTick;
}

/// <summary>The kernel's counters of one network interface, as the host sees it (a tap's rx is what the guest sent).</summary>
public sealed record NetDevCounters(
    long RxBytes, long RxPackets, long RxErrors, long RxDropped,
    long TxBytes, long TxPackets, long TxErrors, long TxDropped);

/// <summary>
/// Reads the per-process and per-interface counters that Linux keeps: <c>/proc/PID/stat</c>,
/// <c>/proc/PID/task/TID/stat</c>, <c>/proc/PID/status</c> and <c>/proc/net/dev</c>. The parsers take the files'
/// text so that tests can feed them captured copies; the readers return null when the file is gone (the process
/// or thread exited between two reads), never a made-up value.
/// </summary>
public static class ProcCounters
{
    /// <summary>CPU time of process <paramref name="pid"/>, all its threads included; null when it is gone.</summary>
    public static CpuTicks? ReadProcessCpu(int pid) => ReadText($"/proc/{pid}/stat") is { } text ? ParseStatCpu(text) : null;

    /// <summary>CPU time of thread <paramref name="tid"/> of process <paramref name="pid"/>; null when it is gone.</summary>
    public static CpuTicks? ReadThreadCpu(int pid, long tid) =>
        ReadText($"/proc/{pid}/task/{tid.ToString(CultureInfo.InvariantCulture)}/stat") is { } text ? ParseStatCpu(text) : null;

    /// <summary>Resident memory of process <paramref name="pid"/> in bytes (VmRSS); null when it is gone.</summary>
    public static long? ReadResidentBytes(int pid) => ReadText($"/proc/{pid}/status") is { } text ? ParseResidentBytes(text) : null;

    /// <summary>
    /// Every interface of this process's network namespace with its counters (<c>/proc/self/net/dev</c>: one read for
    /// all of them, and always the namespace vireod runs in, whatever /sys was mounted for).
    /// </summary>
    public static IReadOnlyDictionary<string, NetDevCounters> ReadNetDevices() =>
        ReadText("/proc/self/net/dev") is { } text ? ParseNetDev(text) : new Dictionary<string, NetDevCounters>();

    /// <summary>
    /// utime and stime (fields 14 and 15) of a <c>stat</c> file; null when the text does not have that shape.
    /// Field 2, the command name in parentheses, may itself hold spaces and ')', so fields are counted after the last ')'.
    /// </summary>
    public static CpuTicks? ParseStatCpu(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var rest = text.AsSpan(close + 1);
        // rest starts with field 3 (state); utime is field 14, stime field 15.
        long utime = 0, stime = 0;
        var field = 3;
        foreach (var range in rest.Split(' '))
        {
            var token = rest[range];
            if (token.IsEmpty)
                continue;
            if (field == 14 && !long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out utime))
                return null;
            if (field == 15)
                return long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out stime) ? new CpuTicks(utime, stime) : null;
            field++;
        }
        return null;
    }

    /// <summary>VmRSS of a <c>status</c> file in bytes; null when the line is missing (a kernel thread, a zombie).</summary>
    public static long? ParseResidentBytes(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("VmRSS:"))
                continue;
            // "VmRSS:	  269924 kB"
            var value = line["VmRSS:".Length..].Trim();
            var space = value.IndexOf(' ');
            if (space < 0 || !value[(space + 1)..].Trim().SequenceEqual("kB"))
                return null;
            return long.TryParse(value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : null;
        }
        return null;
    }

    /// <summary>
    /// The interfaces of a <c>/proc/net/dev</c> text: two header lines, then <c>NAME: rx bytes packets errs drop fifo
    /// frame compressed multicast tx bytes packets errs drop fifo colls carrier compressed</c>. A long name or number
    /// may leave no space after the colon; names never contain one. Lines that do not parse are skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, NetDevCounters> ParseNetDev(string text)
    {
        var result = new Dictionary<string, NetDevCounters>(StringComparer.Ordinal);
        Span<long> values = stackalloc long[16];
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var name = line[..colon].Trim();
            // The second header line (" face |bytes ...") has a '|' and no colon before it; a real name has neither.
            if (name.IsEmpty || name.Contains('|'))
                continue;
            var numbers = line[(colon + 1)..];
            var count = 0;
            var ok = true;
            foreach (var range in numbers.Split(' '))
            {
                var token = numbers[range];
                if (token.IsEmpty)
                    continue;
                if (count == values.Length || !long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out values[count]))
                {
                    ok = false;
                    break;
                }
                count++;
            }
            if (!ok || count != values.Length)
                continue;
            result[name.ToString()] = new NetDevCounters(
                RxBytes: values[0], RxPackets: values[1], RxErrors: values[2], RxDropped: values[3],
                TxBytes: values[8], TxPackets: values[9], TxErrors: values[10], TxDropped: values[11]);
        }
        return result;
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

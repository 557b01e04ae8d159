using System.Globalization;
using System.Text;

namespace Vireo.Qemu;

/// <summary>A signal to send with <see cref="QemuProcessHandle.Kill"/>.</summary>
public enum UnixSignal
{
    /// <summary>SIGTERM (15): QEMU exits cleanly, as with QMP quit (the guest is not shut down).</summary>
    Term = 15,

    /// <summary>SIGKILL (9): immediate; QEMU leaves its pidfile and sockets behind.</summary>
    Kill = 9,

    /// <summary>SIGABRT (6): what abort() raises; QEMU dies as on an assertion failure (fault-injection tests).</summary>
    Abort = 6,

    /// <summary>SIGCONT (18): resumes a stopped process.</summary>
    Cont = 18,

    /// <summary>SIGSTOP (19): freezes the process, which cannot catch it (a hung QEMU, in fault-injection tests).</summary>
    Stop = 19,
}

/// <summary>One snapshot of /proc/PID/stat.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="State">State letter: R, S, D, T, Z (zombie), X (dead), ...</param>
/// <param name="ParentPid">Parent process id.</param>
/// <param name="SessionId">Session id; equals <paramref name="Pid"/> for a session leader (after setsid).</param>
/// <param name="StartTime">Start time in clock ticks since boot (field 22): with the PID, a process identity
/// that a recycled PID cannot fake.</param>
public readonly record struct ProcStat(int Pid, char State, int ParentPid, int SessionId, ulong StartTime)
{
    /// <summary>The process has exited and only waits to be reaped (or is being reaped).</summary>
    public bool HasExited => State is 'Z' or 'X';
}

/// <summary>Reads and signals Linux processes through /proc and pidfds; works for processes that are not our children.</summary>
public static class LinuxProcess
{
    /// <summary>Reads /proc/PID/stat; null when there is no such process.</summary>
    public static ProcStat? TryReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
        return ParseStat(text);
    }

    /// <summary>Parses the text of /proc/PID/stat; null when it is malformed.</summary>
    public static ProcStat? ParseStat(string text)
    {
        // Field 2 is the command name in parentheses and may itself contain spaces and ')': split after the last ')'.
        var close = text.LastIndexOf(')');
        var open = text.IndexOf('(');
        if (open <= 0 || close < open) return null;
        var rest = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state), so field N is rest[N - 3].
        if (rest.Length < 20 || rest[0].Length != 1) return null;
        if (!int.TryParse(text.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        if (!int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid)) return null;
        if (!int.TryParse(rest[3], NumberStyles.None, CultureInfo.InvariantCulture, out var sid)) return null;
        if (!ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)) return null;
        return new ProcStat(pid, rest[0][0], ppid, sid, start);
    }

    /// <summary>Reads /proc/PID/cmdline as its NUL-separated arguments; null when there is no such process.</summary>
    public static IReadOnlyList<string>? TryReadCmdline(int pid)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(bytes);
        return text.TrimEnd('\0').Split('\0');
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to PID <paramref name="pid"/> only if it is still the process that started
    /// at <paramref name="expectedStartTime"/> and has not exited. Returns false when that process is gone.
    /// </summary>
    public static bool Signal(int pid, ulong expectedStartTime, UnixSignal signal)
    {
        var fd = Native.PidfdOpen(pid);
        if (fd == -Native.ESRCH) return false;
        if (fd == -Native.ENOSYS)
        {
            // No pidfds: check then kill, with a tiny window in which the PID could be recycled.
            return IsSame(pid, expectedStartTime) && Native.Kill(pid, (int)signal) == 0;
        }
        if (fd < 0) throw new IOException($"pidfd_open({pid}) failed with errno {-fd}.");
        try
        {
            // The pidfd now pins whatever process holds the PID; if that is ours, the signal can only reach it.
            return IsSame(pid, expectedStartTime) && Native.PidfdSendSignal(fd, (int)signal) == 0;
        }
        finally
        {
            Native.Close(fd);
        }
    }

    /// <summary>
    /// The wait status (as waitpid reports it) of an exited process that is still a zombie, from /proc/PID/stat
    /// field 52; null once it has been reaped, while it runs, or when the start time does not match.
    /// </summary>
    public static int? TryReadExitStatus(int pid, ulong startTime)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
        if (ParseStat(text) is not { HasExited: true } stat || stat.StartTime != startTime) return null;
        var rest = text[(text.LastIndexOf(')') + 1)..].Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return rest.Length > 49 && int.TryParse(rest[49], NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : null;
    }

    /// <summary>Words for a wait status: "killed by SIGKILL", "aborted (SIGABRT)", "exited with status 1".</summary>
    public static string DescribeExitStatus(int status)
    {
        var signal = status & 0x7f;
        if (signal == 0) return $"exited with status {(status >> 8) & 0xff}";
        var core = (status & 0x80) != 0 ? ", core dumped" : "";
        return signal switch
        {
            6 => $"aborted (SIGABRT{core})",
            9 => "was killed with SIGKILL",
            11 => $"crashed (SIGSEGV{core})",
            15 => "was terminated with SIGTERM",
            _ => $"was killed by signal {signal}{core}",
        };
    }

    internal static bool IsSame(int pid, ulong startTime) =>
        TryReadStat(pid) is { } s && s.StartTime == startTime && !s.HasExited;
}

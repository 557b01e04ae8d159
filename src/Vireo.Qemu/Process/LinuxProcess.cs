using System.Globalization;
using System.Runtime.InteropServices;

namespace Vireo.Qemu.Process;

/// <summary>What /proc says about one process.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="State">State letter from /proc/PID/stat (R, S, D, Z, X, ...).</param>
/// <param name="StartTicks">Start time in clock ticks since boot (field 22): with the PID, a unique identity.</param>
public sealed record ProcessStat(int Pid, char State, long StartTicks)
{
    /// <summary>Dead or a zombie: a zombie has exited and only waits to be reaped by its parent.</summary>
    public bool HasExited => State is 'Z' or 'X' or 'x';
}

/// <summary>Reads /proc and sends signals, for processes that are not our children.</summary>
public static partial class LinuxProcess
{
    /// <summary>SIGTERM.</summary>
    public const int SigTerm = 15;

    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>Reads /proc/PID/stat, or null when there is no such process.</summary>
    public static ProcessStat? Stat(int pid, string procRoot = "/proc")
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return ParseStat(pid, text);
    }

    /// <summary>Parses a /proc/PID/stat line. The command name may contain spaces and parentheses, so fields are
    /// counted from the last ')'.</summary>
    public static ProcessStat? ParseStat(int pid, string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
            return null;
        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.Length < 20 || !long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            return null;
        return new ProcessStat(pid, fields[0][0], start);
    }

    /// <summary>The process's argv from /proc/PID/cmdline, or an empty list.</summary>
    public static IReadOnlyList<string> CommandLine(int pid, string procRoot = "/proc")
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "cmdline"));
            return text.TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Sends a signal; false when the process does not exist (or is not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

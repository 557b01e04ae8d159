using System.Globalization;

namespace Vireo.Qemu.Process;

/// <summary>
/// A running QEMU identified by PID and start time, so a recycled PID is never mistaken for it. QEMU is
/// daemonized and not our child: exit is observed through /proc, not waitpid.
/// </summary>
public sealed class QemuProcessHandle
{
    private QemuProcessHandle(int pid, long startTicks)
    {
        Pid = pid;
        StartTicks = startTicks;
    }

    /// <summary>Process id.</summary>
    public int Pid { get; }

    /// <summary>Start time in clock ticks since boot.</summary>
    public long StartTicks { get; }

    /// <summary>True while this very process runs (a zombie counts as exited).</summary>
    public bool IsAlive => LinuxProcess.Stat(Pid) is { } stat && stat.StartTicks == StartTicks && !stat.HasExited;

    /// <summary>
    /// Finds the QEMU a pidfile names and checks it is the one for <paramref name="uuid"/> (its command line has
    /// <c>-uuid</c> with that value) and, when given, that it started at <paramref name="expectedStartTicks"/>.
    /// </summary>
    public static QemuProcessHandle? TryAttach(string pidFile, Guid uuid, long? expectedStartTicks = null)
    {
        if (ReadPidFile(pidFile) is not { } pid)
            return null;
        if (LinuxProcess.Stat(pid) is not { HasExited: false } stat)
            return null;
        if (expectedStartTicks is { } ticks && ticks != 0 && ticks != stat.StartTicks)
            return null;
        return IsQemuFor(LinuxProcess.CommandLine(pid), uuid) ? new QemuProcessHandle(pid, stat.StartTicks) : null;
    }

    /// <summary>Wraps a PID just launched; null when it already exited.</summary>
    public static QemuProcessHandle? FromPid(int pid) =>
        LinuxProcess.Stat(pid) is { HasExited: false } stat ? new QemuProcessHandle(pid, stat.StartTicks) : null;

    /// <summary>True when argv is a QEMU system emulator started for <paramref name="uuid"/>.</summary>
    public static bool IsQemuFor(IReadOnlyList<string> argv, Guid uuid)
    {
        if (argv.Count == 0 || !Path.GetFileName(argv[0]).StartsWith("qemu", StringComparison.Ordinal))
            return false;
        for (var i = 0; i + 1 < argv.Count; i++)
            if (argv[i] == "-uuid" && Guid.TryParse(argv[i + 1], out var found) && found == uuid)
                return true;
        return false;
    }

    /// <summary>Reads a pidfile QEMU wrote; null when missing or malformed.</summary>
    public static int? ReadPidFile(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1
                ? pid
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until the process has exited; false if it is still alive after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive)
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(25, ct);
        }
        return true;
    }

    /// <summary>Sends <paramref name="signal"/> if this very process is still alive.</summary>
    public bool Signal(int signal = LinuxProcess.SigKill) => IsAlive && LinuxProcess.Signal(Pid, signal);

    /// <inheritdoc />
    public override string ToString() => $"QEMU PID {Pid.ToString(CultureInfo.InvariantCulture)}";
}

using System.Globalization;

namespace Vireo.Qemu;

/// <summary>
/// A running QEMU identified by PID + start time (so a recycled PID is never mistaken for it) and by the
/// <c>-uuid</c> on its command line. QEMU is daemonized, so it is not our child: everything here works through
/// /proc and pidfds, also after the daemon restarted and re-attached with <see cref="TryAttach"/>.
/// </summary>
public sealed class QemuProcessHandle
{
    private QemuProcessHandle(int pid, ulong startTime, Guid uuid, string pidFilePath)
    {
        Pid = pid;
        StartTime = startTime;
        Uuid = uuid;
        PidFilePath = pidFilePath;
    }

    /// <summary>Process id of the QEMU process.</summary>
    public int Pid { get; }

    /// <summary>Start time in clock ticks since boot (/proc/PID/stat field 22).</summary>
    public ulong StartTime { get; }

    /// <summary>The VM UUID found on QEMU's command line.</summary>
    public Guid Uuid { get; }

    /// <summary>The pidfile QEMU was started with.</summary>
    public string PidFilePath { get; }

    /// <summary>From starting the emulator to QEMU being initialised and this handle verified; null when attached.</summary>
    public TimeSpan? LaunchDuration { get; private init; }

    /// <summary>What QEMU printed while starting (warnings, "VNC server running on ..."); empty when attached.</summary>
    public string StartupOutput { get; private init; } = "";

    /// <summary>
    /// True while the process runs. A zombie (state Z) counts as gone: a daemonized QEMU is reparented to PID 1,
    /// which may take a while to reap it (about 1.3 s measured in this sandbox).
    /// </summary>
    public bool IsAlive => LinuxProcess.IsSame(Pid, StartTime);

    /// <summary>
    /// Re-attaches to a QEMU through its pidfile: null unless the PID in it is a live process whose command line
    /// is a QEMU with <c>-uuid <paramref name="expectedUuid"/></c>.
    /// </summary>
    public static QemuProcessHandle? TryAttach(string pidFilePath, Guid expectedUuid)
    {
        var pid = ReadPidFile(pidFilePath);
        return pid is null ? null : TryAttach(pid.Value, expectedUuid, pidFilePath);
    }

    /// <summary>Attaches to a known PID with the same checks as <see cref="TryAttach(string, Guid)"/>.</summary>
    public static QemuProcessHandle? TryAttach(int pid, Guid expectedUuid, string pidFilePath)
    {
        if (LinuxProcess.TryReadStat(pid) is not { HasExited: false } stat) return null;
        if (LinuxProcess.TryReadCmdline(pid) is not { } argv || !IsQemuWithUuid(argv, expectedUuid)) return null;
        // Re-read the stat: if the PID was recycled between the two reads, its start time changed.
        if (!LinuxProcess.IsSame(pid, stat.StartTime)) return null;
        return new QemuProcessHandle(pid, stat.StartTime, expectedUuid, pidFilePath);
    }

    /// <summary>Waits until the process has exited (or become a zombie). Works for a process that is not our child.</summary>
    public async Task WaitForExitAsync(CancellationToken ct)
    {
        // No pidfd polling in .NET, so poll /proc: fast at first (QMP quit ends QEMU in 10-30 ms), then every 100 ms.
        var delay = 5;
        while (IsAlive)
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
        ExitStatus ??= LinuxProcess.TryReadExitStatus(Pid, StartTime);
    }

    /// <summary>
    /// How the process ended (a waitpid status), when <see cref="WaitForExitAsync(CancellationToken)"/> saw it as a
    /// zombie before its parent reaped it; null when unknown (QEMU is daemonized, so this is best effort).
    /// </summary>
    public int? ExitStatus { get; private set; }

    /// <summary>Waits up to <paramref name="timeout"/>; true when the process exited in time.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return !IsAlive;
        }
    }

    /// <summary>
    /// Sends a signal by PID (through a pidfd, never by name). Returns false when the process is already gone.
    /// </summary>
    public bool Kill(UnixSignal signal = UnixSignal.Kill) => LinuxProcess.Signal(Pid, StartTime, signal);

    /// <inheritdoc/>
    public override string ToString() => $"QEMU pid {Pid} (uuid {Uuid})";

    internal QemuProcessHandle WithLaunchInfo(TimeSpan duration, string startupOutput) =>
        new(Pid, StartTime, Uuid, PidFilePath) { LaunchDuration = duration, StartupOutput = startupOutput };

    internal static int? ReadPidFile(string pidFilePath)
    {
        string text;
        try
        {
            text = File.ReadAllText(pidFilePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    internal static bool IsQemuWithUuid(IReadOnlyList<string> argv, Guid uuid)
    {
        if (argv.Count == 0 || !Path.GetFileName(argv[0]).Contains("qemu", StringComparison.Ordinal)) return false;
        return UuidFromArgv(argv) == uuid;
    }

    internal static Guid? UuidFromArgv(IReadOnlyList<string> argv)
    {
        for (var i = 0; i + 1 < argv.Count; i++)
        {
            if (argv[i] == "-uuid" && Guid.TryParse(argv[i + 1], out var g)) return g;
        }
        return null;
    }
}

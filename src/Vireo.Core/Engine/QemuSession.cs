using System.Runtime.CompilerServices;
using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

/// <summary>
/// One running QEMU process and the monitor connection to it: the only place where the engine meets the QMP
/// library and the process handle. Translates QMP events into <see cref="VmEvent"/>s.
/// </summary>
internal sealed partial class QemuSession
{
    private readonly QemuProcessHandle _process;
    private readonly QmpClient _qmp;
    private int _expected = (int)ExitKind.Unexpected;

    private QemuSession(QemuProcessHandle process, QmpClient qmp, string accel)
    {
        _process = process;
        _qmp = qmp;
        Accel = accel;
    }

    public int Pid => _process.Pid;
    public long StartTicks => (long)_process.StartTime;
    public string Accel { get; }
    public string? LastStatus { get; private set; }
    public bool Detached { get; private set; }
    public bool IsAlive => _process.IsAlive;

    /// <summary>When the process started, from its start time in /proc (for sessions found after a restart).</summary>
    public DateTimeOffset ProcessStartedAt => BootTime.Value.AddSeconds(StartTicks / (double)ClockTicksPerSecond);

    /// <summary>How the engine expects this process to end.</summary>
    public ExitKind Expected => (ExitKind)Volatile.Read(ref _expected);

    public void ExpectExit(ExitKind kind) => Volatile.Write(ref _expected, (int)kind);

    public void ExpectExitIfUnexpected(ExitKind kind) =>
        Interlocked.CompareExchange(ref _expected, (int)kind, (int)ExitKind.Unexpected);

    public static async Task<QemuSession> LaunchAsync(string emulator, IReadOnlyList<string> argv, VmPaths paths, string uuid,
        Action<string>? trace, CancellationToken ct, QemuLaunchOptions? options = null)
    {
        var process = await QemuLauncher.LaunchAsync(emulator, argv, paths.PidFile, options, ct);
        try
        {
            var qmp = await ConnectWithRetryAsync(process, paths.QmpSocket, trace, ct);
            return new QemuSession(process, qmp, argv.Contains("kvm") ? "kvm" : "tcg");
        }
        catch
        {
            process.Kill(UnixSignal.Kill);
            throw;
        }
    }

    /// <summary>
    /// Finds this VM's QEMU through its pidfile and re-connects the monitor; null when no such process lives.
    /// A live process whose monitor cannot be reached is an error, never silently adopted or killed.
    /// </summary>
    public static async Task<QemuSession?> TryAttachAsync(VmPaths paths, string uuid, long? startTicks, Action<string>? trace, CancellationToken ct)
    {
        var process = QemuProcessHandle.TryAttach(paths.PidFile, Guid.Parse(uuid));
        // The stored start time guards against a PID reused by another QEMU started for this UUID by hand.
        if (process is null || (startTicks is > 0 && (ulong)startTicks.Value != process.StartTime))
            return null;
        QmpException? last = null;
        for (var attempt = 0; attempt < 20 && process.IsAlive; attempt++)
        {
            try
            {
                var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, Options(trace), ct);
                var kvm = await qmp.ExecuteAsync(QmpCommands.QueryKvm(), ct);
                return new QemuSession(process, qmp, kvm.Enabled ? "kvm" : "tcg");
            }
            catch (QmpException e)
            {
                // A monitor that was connected to the previous vireod may take a moment to accept again.
                last = e;
                await Task.Delay(250, ct);
            }
        }
        if (!process.IsAlive)
            return null;
        throw new QemuFailedException($"QEMU PID {process.Pid} is running but its monitor at {paths.QmpSocket} does not answer: {last?.Message}", last);
    }

    /// <summary>The monitor socket can exist a moment before QEMU listens on it: retry refusals while QEMU lives.</summary>
    private static async Task<QmpClient> ConnectWithRetryAsync(QemuProcessHandle process, string socket, Action<string>? trace, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return await QmpClient.ConnectAsync(socket, Options(trace), ct);
            }
            catch (QmpConnectException e) when (e.IsTransient && process.IsAlive && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, ct);
            }
        }
    }

    private static QmpClientOptions Options(Action<string>? trace) => new() { Trace = trace };

    public async Task ContAsync(CancellationToken ct)
    {
        await _qmp.ExecuteAsync(QmpCommands.Cont(), ct);
        LastStatus = "running";
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _qmp.ExecuteAsync(QmpCommands.Stop(), ct);
        LastStatus = "paused";
    }
    public Task SetLinkAsync(string deviceId, bool up, CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.SetLink(deviceId, up), ct);
    /// <summary>
    /// Opens tap <paramref name="tap"/> (one descriptor per queue) and gives QEMU the descriptors with getfd, named
    /// ID-fdN; returns the names for netdev_add. Ours are closed: QEMU keeps the tap alive from here on.
    /// </summary>
    public async Task<IReadOnlyList<string>> PassTapAsync(string tap, int queues, string id, CancellationToken ct)
    {
        var fds = QemuConfinement.OpenTap(tap, queues);
        var names = new List<string>();
        try
        {
            for (var i = 0; i < fds.Length; i++)
            {
                var name = TapFdName(id, i);
                await _qmp.GetFdAsync(name, fds[i], ct);
                names.Add(name);
            }
            return names;
        }
        catch
        {
            foreach (var name in names)
                try { await _qmp.CloseFdAsync(name, CancellationToken.None); } catch (QmpException) { }
            throw;
        }
        finally
        {
            QemuConfinement.Close(fds);
        }
    }

    /// <summary>The name getfd gives queue <paramref name="queue"/> of NIC <paramref name="id"/>'s tap.</summary>
    public static string TapFdName(string id, int queue) => $"{id}-fd{queue}";

    public Task CloseFdAsync(string name, CancellationToken ct) => _qmp.CloseFdAsync(name, ct);
    public Task NetdevAddAsync(System.Text.Json.Nodes.JsonObject netdev, CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.NetdevAdd(netdev), ct);
    public Task NetdevDelAsync(string id, CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.NetdevDel(id), ct);
    public Task DeviceAddAsync(System.Text.Json.Nodes.JsonObject device, CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.DeviceAdd(device), ct);
    public Task DeviceDelAsync(string id, CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.DeviceDel(id), ct);
    public Task SystemPowerdownAsync(CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.SystemPowerdown(), ct);
    public Task SystemResetAsync(CancellationToken ct) => _qmp.ExecuteAsync(QmpCommands.SystemReset(), ct);
    public Task QuitAsync(CancellationToken ct) => _qmp.QuitAsync(ct);

    public async Task<string> QueryStatusAsync(CancellationToken ct)
    {
        var status = (await _qmp.ExecuteAsync(QmpCommands.QueryStatus(), ct)).Status.WireName();
        LastStatus = status;
        return status;
    }

    public async Task<int?> QueryVncPortAsync(CancellationToken ct) =>
        (await _qmp.ExecuteAsync(QmpCommands.QueryVnc(), ct)).Port;

    /// <summary>The events the engine acts on, until the monitor connection ends.</summary>
    public async IAsyncEnumerable<VmEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var e in _qmp.Events.ReadAllAsync(ct))
        {
            VmEvent? mapped = e switch
            {
                ShutdownEvent s => new VmEvent.Shutdown(s.Guest, s.Reason),
                StopEvent => new VmEvent.Stopped(),
                ResumeEvent => new VmEvent.Resumed(),
                ResetEvent r => new VmEvent.Reset(r.Guest, r.Reason),
                GuestPanickedEvent p => new VmEvent.Panicked(p.Action),
                DeviceDeletedEvent { Device: { } device } => new VmEvent.DeviceDeleted(device),
                UnknownEvent { Name: "BLOCK_IO_ERROR", Data: { } data } => IoError(data),
                _ => null,
            };
            if (mapped is not null)
                yield return mapped;
        }
    }

    /// <summary>BLOCK_IO_ERROR's data: node-name (with -blockdev; "device" is empty), operation, reason, nospace.</summary>
    private static VmEvent.IoError IoError(System.Text.Json.JsonElement data)
    {
        string? Text(string name) => data.ValueKind == System.Text.Json.JsonValueKind.Object && data.TryGetProperty(name, out var v)
            && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
        var nospace = data.ValueKind == System.Text.Json.JsonValueKind.Object && data.TryGetProperty("nospace", out var n)
            && n.ValueKind == System.Text.Json.JsonValueKind.True;
        var node = Text("node-name") is { Length: > 0 } nn ? nn : Text("device") ?? "?";
        return new VmEvent.IoError(node, Text("operation") ?? "?", Text("reason") ?? "unknown error", nospace);
    }

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout, CancellationToken.None);

    public void Kill() => _process.Kill(UnixSignal.Kill);

    /// <summary>Sends a signal by PID (checked against the start time); false when the process is gone.</summary>
    public bool Signal(UnixSignal signal) => _process.Kill(signal);

    /// <summary>Why the VM crashed, for its state reason: the signal or exit status when it could be read.</summary>
    public string ExitDetail() => _process.ExitStatus is { } status
        ? $"QEMU exited unexpectedly: it {LinuxProcess.DescribeExitStatus(status)} (PID {Pid})"
        : $"QEMU exited unexpectedly (PID {Pid}; no SHUTDOWN event was seen, so it was killed or crashed)";

    public async Task KillAndDisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        await _qmp.DisposeAsync();
    }

    /// <summary>Closes the monitor without touching QEMU (vireod is stopping; the VM keeps running).</summary>
    public async Task DetachAsync()
    {
        Detached = true;
        await _qmp.DisposeAsync();
    }

    public void DisposeInBackground() => _ = _qmp.DisposeAsync().AsTask();

    private static readonly long ClockTicksPerSecond = 100;

    private static readonly Lazy<DateTimeOffset> BootTime = new(() =>
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal));
            return DateTimeOffset.FromUnixTimeSeconds(long.Parse(line[6..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return DateTimeOffset.UtcNow;
        }
    });
}

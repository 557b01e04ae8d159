using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qmp.Qga;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Default seconds a guest gets to power off after an ACPI request before it is forced off.</summary>
    public const int DefaultShutdownTimeoutSeconds = 120;

    /// <summary>How long QEMU gets to exit after `quit` before it is killed.</summary>
    private static readonly TimeSpan QuitGrace = TimeSpan.FromSeconds(5);

    public Task<ActionResult> ShutdownAsync(ShutdownRequest request, CancellationToken ct) =>
        Serialised(VmAction.Shutdown, async () =>
        {
            var timeout = request.TimeoutSeconds ?? DefaultShutdownTimeoutSeconds;
            if (timeout is < 0 or > 86400)
                throw InvalidInputException.For("shutdown", [new FieldError { Field = "timeout_seconds", Value = timeout.ToString(), Message = "must be between 0 and 86400 seconds" }]);
            var agent = request.Mode switch
            {
                null or "acpi" => false,
                "agent" => true,
                _ => throw InvalidInputException.For("shutdown", [new FieldError { Field = "mode", Value = request.Mode, Message = "must be acpi (the power button) or agent (guest-shutdown through the guest agent)" }]),
            };
            var session = CurrentSession();
            session.ExpectExit(ExitKind.GuestShutdown);
            SetState(VmState.ShuttingDown, agent ? "guest agent shutdown requested" : "ACPI power-down requested");
            try
            {
                if (agent)
                    // No answer is success (the guest goes down); an error answer or a silent channel fails here.
                    await WithAgentAsync("guest-shutdown", async (c, t) => { await c.ShutdownAsync(QgaShutdownMode.Powerdown, TimeSpan.FromSeconds(1), t); return true; }, AgentCallTimeout, ct);
                else
                    await session.SystemPowerdownAsync(ct);
                Vireo.Host.CrashPoints.Hit("shutdown.requested");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                SetState(VmState.Running, null);
                throw Translate(e, "shutdown");
            }

            var ended = await WaitUntilAsync(() => _session is null || _cutShort, TimeSpan.FromSeconds(timeout), ct);
            if (CutShort())
            {
                // A destroy arrived while the guest was still shutting down (VirtualMachine.Lock.cs): force it off now.
                await ForceOffAsync(session, ExitKind.Destroyed, ct);
                return Result("forced off: a destroy request cut the shutdown short");
            }
            if (ended)
                return Result();
            if (request.Force == false)
            {
                SetState(VmState.Running, "the guest ignored the ACPI power-down request");
                throw new OperationTimeoutException(
                    $"VM \"{Name}\" did not power off within {timeout} s of the {(agent ? "guest agent's shutdown" : "ACPI request")} and was not to be forced off; it is still running")
                {
                    Hint = $"Force it off: vireo destroy {Name}",
                };
            }
            await ForceOffAsync(session, ExitKind.ForcedAfterTimeout, ct);
            return Result($"forced off: the guest did not power off within {timeout} s of the {(agent ? "guest agent's shutdown" : "ACPI request")}");
        }, ct);

    public async Task<ActionResult> DestroyAsync(CancellationToken ct)
    {
        bool shuttingDown;
        lock (_gate)
            shuttingDown = _holder?.Action == VmAction.Shutdown;
        try
        {
            return await Serialised(VmAction.Destroy, async () =>
            {
                await ForceOffAsync(CurrentSession(), ExitKind.Destroyed, ct);
                return Result();
            }, ct);
        }
        catch (InvalidStateException) when (shuttingDown && !HasProcess)
        {
            // The shutdown this destroy cut short has forced the VM off already.
            return Result("forced off: the shutdown in progress was cut short");
        }
    }

    /// <summary>Whether a destroy has asked the shutdown in progress to stop waiting (and the VM still runs).</summary>
    private bool CutShort()
    {
        lock (_gate)
            return _cutShort && _session is not null;
    }

    /// <summary>
    /// Stops QEMU at once without the monitor, as libvirt's destroy does: SIGTERM (QEMU exits cleanly in tens of
    /// milliseconds), then SIGKILL if it is still there after <see cref="DestroyGrace"/>. No QMP call, so a hung or
    /// stopped QEMU (whose monitor never answers) is ended within seconds too.
    /// </summary>
    private async Task ForceOffAsync(QemuSession session, ExitKind kind, CancellationToken ct)
    {
        session.ExpectExit(kind);
        session.Signal(Vireo.Qemu.UnixSignal.Term);
        if (!await WaitForNoProcessAsync(DestroyGrace, ct))
        {
            Log.LogWarning("VM {Name}: QEMU PID {Pid} still alive {Grace} s after SIGTERM; killing it", Name, session.Pid, DestroyGrace.TotalSeconds);
            session.Kill();
            if (!await WaitForNoProcessAsync(QuitGrace, ct))
                throw new OperationTimeoutException($"QEMU (PID {session.Pid}) of VM \"{Name}\" did not exit after SIGKILL");
        }
    }

    /// <summary>How long QEMU gets to act on SIGTERM before destroy kills it (libvirt waits 10 s; QEMU needs ms).</summary>
    internal static readonly TimeSpan DestroyGrace = TimeSpan.FromSeconds(3);

    private QemuSession CurrentSession()
    {
        lock (_gate)
            return _session ?? throw new InvalidStateException($"VM \"{Name}\" has no QEMU process") { Hint = $"Start it: vireo start {Name}" };
    }

    /// <summary>
    /// Called once when a session's QEMU process has gone: decides stopped versus crashed from what was expected,
    /// removes runtime files, persists, and applies the on_crash policy.
    /// </summary>
    private void OnSessionEnded(QemuSession session)
    {
        DateTimeOffset? startedAt;
        lock (_gate)
        {
            if (_session != session)
                return;
            startedAt = _runtime?.StartedAt;
            _session = null;
            _runtime = null;
        }
        RemoveRuntimeFiles();
        var (state, reason) = session.Expected switch
        {
            ExitKind.GuestShutdown => (VmState.Stopped, "guest powered off"),
            ExitKind.Destroyed => (VmState.Stopped, "destroyed"),
            ExitKind.ForcedAfterTimeout => (VmState.Stopped, "forced off after the ACPI power-down timed out"),
            ExitKind.Panicked => (VmState.Crashed, "guest kernel panic"),
            ExitKind.PanicRestart => (VmState.Crashed, "guest kernel panic; restarting (on_crash: restart)"),
            ExitKind.HostSignal => (VmState.Stopped, "QEMU was terminated by a signal on the host"),
            ExitKind.BootOnceReboot => (VmState.Stopped, "guest rebooted after its one-time boot; starting with boot.order"),
            _ => (VmState.Crashed, session.ExitDetail()),
        };
        TimeSpan? restartIn = null;
        if (state == VmState.Crashed && Spec.OnCrash == OnCrash.Restart)
            (restartIn, reason) = PlanCrashRestart(reason, startedAt is { } t ? DateTimeOffset.UtcNow - t : null);
        SetState(state, reason);
        session.DisposeInBackground();
        if (restartIn is { } delay)
            _ctx.ScheduleCrashRestart(this, delay);
        if (session.Expected == ExitKind.BootOnceReboot)
            _ = Task.Run(RestartAfterBootOnceAsync);
    }

    /// <summary>Quick crashes in a row (each within <see cref="CrashRestartPolicy.StableAfter"/> of its start).</summary>
    private int _quickCrashes;

    /// <summary>
    /// on_crash: restart. Decides the back-off (or that this is a crash loop and the VM stays crashed) and says so in
    /// the reason, which `info` and the state event show.
    /// </summary>
    internal (TimeSpan? Delay, string Reason) PlanCrashRestart(string reason, TimeSpan? uptime)
    {
        int count;
        lock (_gate)
        {
            if (uptime is { } up && up >= CrashRestartPolicy.StableAfter)
                _quickCrashes = 0;
            count = ++_quickCrashes;
        }
        if (CrashRestartPolicy.DelayFor(count) is { } delay)
            return (delay, $"{reason}; restarting in {delay.TotalSeconds:0} s (on_crash: restart; quick crash {count} of {CrashRestartPolicy.MaxQuickCrashes})");
        Log.LogError("VM {Name}: crashed {Count} times in a row within {Stable} s of starting; not restarting it again", Name, count, CrashRestartPolicy.StableAfter.TotalSeconds);
        return (null, $"{reason}; crash loop: it crashed {count} times in a row, each within {CrashRestartPolicy.StableAfter.TotalSeconds:0} s of starting, so it is not restarted again (on_crash: restart) until started by hand");
    }

    /// <summary>A start asked for by a user ends a crash loop's count.</summary>
    private void ResetCrashCount()
    {
        lock (_gate)
            _quickCrashes = 0;
    }

    /// <summary>Start after a crash, unless the VM crashed too often recently (a crash loop).</summary>
    internal async Task RestartAfterCrashAsync(CancellationToken ct)
    {
        await _ops.WaitAsync(ct);
        try
        {
            lock (_gate)
            {
                if (_state != VmState.Crashed || _session is not null)
                    return;
            }
            await StartCoreAsync(ct);
        }
        catch (Exception e)
        {
            Log.LogError("VM {Name}: restart after crash failed: {Error}", Name, e.Message);
        }
        finally
        {
            _ops.Release();
        }
    }
}

/// <summary>Why the engine expects a QEMU process to end; decides between stopped and crashed.</summary>
internal enum ExitKind
{
    Unexpected,
    GuestShutdown,
    Destroyed,
    ForcedAfterTimeout,
    Panicked,
    PanicRestart,
    HostSignal,
    BootOnceReboot,
}

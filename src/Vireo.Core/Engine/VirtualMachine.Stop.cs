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

            if (await WaitForNoProcessAsync(TimeSpan.FromSeconds(timeout), ct))
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

    public Task<ActionResult> DestroyAsync(CancellationToken ct) =>
        Serialised(VmAction.Destroy, async () =>
        {
            await ForceOffAsync(CurrentSession(), ExitKind.Destroyed, ct);
            return Result();
        }, ct);

    /// <summary>
    /// Stops QEMU at once: `quit` over QMP (QEMU exits in 10-30 ms), then SIGKILL by PID if it is still there
    /// after a grace period or the monitor does not answer.
    /// </summary>
    private async Task ForceOffAsync(QemuSession session, ExitKind kind, CancellationToken ct)
    {
        session.ExpectExit(kind);
        try
        {
            await session.QuitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LogWarning("VM {Name}: quit failed ({Error}); killing PID {Pid}", Name, e.Message, session.Pid);
            session.Kill();
        }
        if (!await WaitForNoProcessAsync(QuitGrace, ct))
        {
            Log.LogWarning("VM {Name}: QEMU PID {Pid} still alive {Grace} s after quit; killing it", Name, session.Pid, QuitGrace.TotalSeconds);
            session.Kill();
            if (!await WaitForNoProcessAsync(QuitGrace, ct))
                throw new OperationTimeoutException($"QEMU (PID {session.Pid}) of VM \"{Name}\" did not exit after SIGKILL");
        }
    }

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
        lock (_gate)
        {
            if (_session != session)
                return;
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
            _ => (VmState.Crashed, $"QEMU exited unexpectedly{session.ExitDetail()}"),
        };
        SetState(state, reason);
        session.DisposeInBackground();
        if (state == VmState.Crashed && Spec.OnCrash == OnCrash.Restart)
            _ctx.ScheduleCrashRestart(this);
        if (session.Expected == ExitKind.BootOnceReboot)
            _ = Task.Run(RestartAfterBootOnceAsync);
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

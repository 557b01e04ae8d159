using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Called once when vireod starts: finds this VM's QEMU through its pidfile (verified by process start time
    /// and the UUID on its command line, so a recycled PID is never adopted), re-connects the monitor and takes
    /// the state from QEMU itself. A VM whose QEMU died while vireod was away is marked stopped or crashed.
    /// Any live QEMU of ours is adopted, whatever the database says, so nothing is ever started twice.
    /// </summary>
    public async Task ReattachAsync(VmRuntimeRecord? stored, CancellationToken ct)
    {
        await _ops.WaitAsync(ct);
        try
        {
            var session = await QemuSession.TryAttachAsync(Paths, Uuid, stored?.PidStartTicks, _ctx.QmpTrace, ct);
            VmState before;
            lock (_gate)
                before = _state;
            if (session is null)
            {
                RemoveRuntimeFiles();
                if (VmStateMachine.ExpectsProcess(before) || (before == VmState.Crashed && stored is not null))
                {
                    var (state, reason) = before == VmState.ShuttingDown
                        ? (VmState.Stopped, "powered off while vireod was not running")
                        : _ctx.HostRebooted
                            ? (VmState.Stopped, "the host rebooted while it ran")
                            : (VmState.Crashed, "QEMU exited while vireod was not running");
                    lock (_gate)
                        _runtime = null;
                    TimeSpan? restartIn = null;
                    if (state == VmState.Crashed && Spec.OnCrash == OnCrash.Restart)
                        (restartIn, reason) = PlanCrashRestart(reason, null);
                    SetState(state, reason);
                    if (restartIn is { } delay)
                        _ctx.ScheduleCrashRestart(this, delay);
                }
                return;
            }

            var vncPort = Spec.Graphics.Type == "vnc" ? await session.QueryVncPortAsync(ct) : null;
            lock (_gate)
            {
                _session = session;
                _runtime = new RuntimeFacts(stored?.Accel ?? session.Accel, _ctx.Planner.AccelWarningFor(stored?.Accel ?? session.Accel),
                    stored?.StartedAt ?? session.ProcessStartedAt, vncPort);
            }
            StartEventLoop(session);
            var status = await session.QueryStatusAsync(ct);
            Log.LogInformation("VM {Name}: re-attached to QEMU PID {Pid} (status {Status})", Name, session.Pid, status);
            switch (status)
            {
                case "running":
                    SetState(VmState.Running, before == VmState.ShuttingDown ? "the guest did not power off; ACPI request abandoned when vireod stopped" : null);
                    if (_rebootPending)
                        FinishRebootInBackground(session);
                    break;
                case "prelaunch" or "paused" or "restore-vm" or "inmigrate" when _revertPending:
                    // A snapshot revert was loading into this paused QEMU when vireod died: its RAM may be half
                    // loaded, so the guest must never run it. QEMU ends; the recovery reverts the disks again.
                    session.ExpectExit(ExitKind.Destroyed);
                    await session.QuitAsync(ct);
                    break;
                case "prelaunch":
                    // vireod died between launching QEMU and resuming it: finish the start, with the set-up the start
                    // does before cont (links down, the balloon; taps rejoin their bridges when the networks start).
                    await FinishSetupBeforeContAsync(session, ct);
                    await session.ContAsync(ct);
                    SetState(VmState.Running, "start completed after vireod restarted");
                    break;
                case "shutdown" when _rebootPending:
                    // A reboot was under way (operation journal) and the guest powered off meanwhile: finish it.
                    await session.SystemResetAsync(ct);
                    await session.ContAsync(ct);
                    SetState(VmState.Running, "rebooted after vireod restarted");
                    break;
                case "shutdown":
                    // The guest powered off while vireod was away (-no-shutdown kept QEMU alive): end it now.
                    session.ExpectExit(ExitKind.GuestShutdown);
                    await session.QuitAsync(ct);
                    break;
                case "guest-panicked":
                    await OnPanickedAsync(session, new VmEvent.Panicked("pause"));
                    break;
                default:
                    if (before != VmState.Crashed)
                        SetState(VmState.Paused, status == "paused" ? null : $"paused by QEMU ({status})");
                    else
                        PersistRuntime();
                    break;
            }
        }
        finally
        {
            _ops.Release();
        }
    }

    private async Task FinishSetupBeforeContAsync(QemuSession session, CancellationToken ct)
    {
        try
        {
            var spec = Spec;
            var plan = _ctx.Planner.Plan(spec, Paths);
            foreach (var nic in plan.LinksDown)
                await session.SetLinkAsync(nic, up: false, ct);
            if (spec.Memory < (spec.MaxMemory ?? spec.Memory))
                await session.SetBalloonTargetAsync(spec.Memory, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LogWarning("VM {Name}: finishing the set-up of the interrupted start: {Error}", Name, e.Message);
        }
    }

    /// <summary>Lets go of the monitor without touching QEMU: vireod is stopping and the VM keeps running.</summary>
    public async Task DetachAsync()
    {
        QemuSession? session;
        lock (_gate)
            session = _session;
        if (session is not null)
            await session.DetachAsync();
    }
}

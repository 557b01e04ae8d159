using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>The last BLOCK_IO_ERROR, until the STOP it causes is reported.</summary>
    private VmEvent.IoError? _lastIoError;

    private void StartEventLoop(QemuSession session) =>
        _ = Task.Run(() => RunEventLoopAsync(session));

    /// <summary>
    /// Reads the session's events until the monitor closes, then confirms the process is gone and records the
    /// outcome. When vireod itself is stopping, the session is detached instead and the VM keeps running.
    /// </summary>
    private async Task RunEventLoopAsync(QemuSession session)
    {
        try
        {
            await foreach (var e in session.ReadEventsAsync())
            {
                try
                {
                    await HandleEventAsync(session, e);
                }
                catch (Exception ex)
                {
                    Log.LogError(ex, "VM {Name}: handling {Event} failed", Name, e);
                }
            }
        }
        catch (Exception e)
        {
            Log.LogWarning("VM {Name}: monitor error: {Error}", Name, e.Message);
        }

        if (session.Detached)
            return;
        if (!await session.WaitForExitAsync(TimeSpan.FromSeconds(10)))
        {
            // The monitor socket closed but QEMU lives on: without a monitor it cannot be managed, so end it
            // rather than leave a process nobody controls.
            Log.LogError("VM {Name}: monitor closed but QEMU PID {Pid} is alive; killing it", Name, session.Pid);
            session.Kill();
            await session.WaitForExitAsync(TimeSpan.FromSeconds(5));
        }
        OnSessionEnded(session);
    }

    private async Task HandleEventAsync(QemuSession session, VmEvent e)
    {
        Log.LogDebug("VM {Name}: event {Event}", Name, e);
        switch (e)
        {
            case VmEvent.DeviceDeleted d:
                OnDeviceDeleted(d.Device);
                break;
            case VmEvent.Shutdown { ByGuest: true } shutdown:
                if (await OnGuestShutdownInBootOnceAsync(session, shutdown.Reason))
                    break;
                await OnGuestPoweredOffAsync(session);
                break;
            case VmEvent.Shutdown { Reason: "host-signal" }:
                session.ExpectExitIfUnexpected(ExitKind.HostSignal);
                break;
            case VmEvent.Stopped:
                await OnStoppedAsync(session);
                break;
            case VmEvent.Resumed:
                lock (_gate)
                {
                    if (_state != VmState.Paused)
                        return;
                }
                SetState(VmState.Running, null);
                break;
            case VmEvent.Reset r:
                Log.LogInformation("VM {Name}: reset ({Reason})", Name, r.Reason);
                break;
            case VmEvent.Panicked p:
                await OnPanickedAsync(session, p);
                break;
            case VmEvent.IoError io:
                // QEMU sends it before the STOP that werror/rerror=stop causes; the STOP handler reports it.
                Log.LogWarning("VM {Name}: I/O error on {Node} ({Operation}): {Reason}", Name, io.Node, io.Operation, io.Reason);
                lock (_gate)
                    _lastIoError = io;
                break;
        }
    }

    /// <summary>
    /// QEMU runs with -no-shutdown, so a guest power-off leaves the process alive and stopped. Finish a pending
    /// reboot by resetting and resuming; otherwise end the process.
    /// </summary>
    private async Task OnGuestPoweredOffAsync(QemuSession session)
    {
        TaskCompletionSource? reboot;
        lock (_gate)
            reboot = _rebootDone;
        if (reboot is not null)
        {
            try
            {
                await session.SystemResetAsync(CancellationToken.None);
                await session.ContAsync(CancellationToken.None);
                reboot.TrySetResult();
            }
            catch (Exception e)
            {
                reboot.TrySetException(e);
            }
            return;
        }
        session.ExpectExitIfUnexpected(ExitKind.GuestShutdown);
        try
        {
            await session.QuitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LogWarning("VM {Name}: quit after guest power-off failed ({Error}); killing PID {Pid}", Name, e.Message, session.Pid);
            session.Kill();
        }
    }

    /// <summary>STOP carries no reason; ask QEMU why, and only report states the user did not ask for.</summary>
    private async Task OnStoppedAsync(QemuSession session)
    {
        var status = await session.QueryStatusAsync(CancellationToken.None);
        VmEvent.IoError? io;
        lock (_gate)
        {
            if (_state != VmState.Running)
                return;
            io = _lastIoError;
            _lastIoError = null;
        }
        var reason = status switch
        {
            "paused" => "paused",
            "io-error" when io is not null => $"paused by QEMU after a disk I/O error: {(io.NoSpace ? "no space left on the device" : io.Reason)} " +
                $"({io.Operation} on block node {io.Node}); it stays paused until resumed once the cause is fixed (werror/rerror=stop)",
            "io-error" => "paused by QEMU after a disk I/O error",
            "internal-error" => "paused by QEMU after an internal error",
            "watchdog" => "paused by the watchdog",
            _ => null,
        };
        if (reason is not null)
            SetState(VmState.Paused, reason);
    }

    private async Task OnPanickedAsync(QemuSession session, VmEvent.Panicked panic)
    {
        var policy = Spec.OnCrash;
        SetState(VmState.Crashed, policy == OnCrash.Preserve
            ? "guest kernel panic; QEMU kept paused for inspection (on_crash: preserve)"
            : "guest kernel panic");
        if (policy == OnCrash.Preserve)
            return;
        session.ExpectExit(policy == OnCrash.Restart ? ExitKind.PanicRestart : ExitKind.Panicked);
        try
        {
            await session.QuitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LogWarning("VM {Name}: quit after panic failed ({Error}); killing PID {Pid}", Name, e.Message, session.Pid);
            session.Kill();
        }
    }
}

/// <summary>What the engine needs to know from QEMU's events, independent of the QMP library's types.</summary>
internal abstract record VmEvent
{
    public sealed record Shutdown(bool ByGuest, string Reason) : VmEvent;
    public sealed record Stopped : VmEvent;
    public sealed record Resumed : VmEvent;
    public sealed record Reset(bool ByGuest, string Reason) : VmEvent;
    public sealed record Panicked(string Action) : VmEvent;
    public sealed record DeviceDeleted(string Device) : VmEvent;
    public sealed record IoError(string Node, string Operation, string Reason, bool NoSpace) : VmEvent;
}

using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

/// <summary>
/// boot.once, virt-install's install phase: the VM boots once with that order (QEMU runs with
/// <c>-action reboot=shutdown</c>), and the first reboot or power-off of the guest ends it. vireod clears boot.once
/// in the stored definition (revision + 1) before anything else happens, so a vireod killed at that point still finds
/// it cleared; a guest reboot is then turned into a fresh start with the normal boot.order.
/// </summary>
internal sealed partial class VirtualMachine
{
    /// <summary>True when the spec still has a one-time boot order.</summary>
    private bool InBootOncePhase
    {
        get { lock (_gate) return _spec.Boot.Once.Count > 0; }
    }

    /// <summary>Clears boot.once in the definition (and in a pending one), persisted with the revision grown by one.</summary>
    private void ClearBootOnce()
    {
        VmSpec spec;
        VmSpec? pending;
        long revision;
        lock (_gate)
        {
            if (_spec.Boot.Once.Count == 0)
                return;
            spec = _spec with { Boot = _spec.Boot with { Once = [] } };
            pending = _pending is null ? null : _pending with { Boot = _pending.Boot with { Once = [] } };
            revision = _revision;
        }
        try
        {
            SaveDefinition(revision, spec, pending);
            Log.LogInformation("VM {Name}: one-time boot order used; boot.once cleared", Name);
        }
        catch (Exception e)
        {
            Log.LogError("VM {Name}: cannot clear boot.once: {Error}", Name, e.Message);
        }
    }

    /// <summary>
    /// A guest shutdown while boot.once is set: clear it, and for a reboot (QEMU turned it into a shutdown) end the
    /// process so that <see cref="OnSessionEnded"/> starts the VM again with the normal order. Returns false when
    /// boot.once was not set (the usual handling applies).
    /// </summary>
    private async Task<bool> OnGuestShutdownInBootOnceAsync(QemuSession session, string reason)
    {
        // A guest reset only arrives as a SHUTDOWN when QEMU runs with reboot=shutdown, i.e. was started for a
        // one-time boot (also after vireod restarted and re-attached to it, when the flag is no longer known here).
        var rebootedByGuest = reason == "guest-reset";
        TaskCompletionSource? reboot;
        lock (_gate)
            reboot = _rebootDone;
        if (!InBootOncePhase && !rebootedByGuest)
            return false;
        ClearBootOnce();
        // vireo reboot during the one-time boot: the guest powered off for it; start afresh, with the normal order.
        if (!rebootedByGuest && reboot is null)
            return false;
        session.ExpectExit(ExitKind.BootOnceReboot);
        reboot?.TrySetResult();
        try
        {
            await session.QuitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LogWarning("VM {Name}: quit after the one-time boot failed ({Error}); killing PID {Pid}", Name, e.Message, session.Pid);
            session.Kill();
        }
        return true;
    }

    /// <summary>Starts the VM again after the guest rebooted out of its one-time boot order.</summary>
    private async Task RestartAfterBootOnceAsync()
    {
        await _ops.WaitAsync();
        try
        {
            lock (_gate)
            {
                if (_removed || _state != VmState.Stopped || _session is not null)
                    return;
            }
            await StartCoreAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LogError("VM {Name}: start after the one-time boot failed: {Error}", Name, e.Message);
        }
        finally
        {
            _ops.Release();
        }
    }
}

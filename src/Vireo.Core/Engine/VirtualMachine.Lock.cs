using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Engine;

/// <summary>
/// The VM's operation lock (<see cref="_ops"/>) and who holds it. One rule decides what a second request does while
/// an operation runs (<see cref="VmLockPolicy"/>): behind a short operation it waits (at most
/// <see cref="VmLockPolicy.LockWait"/>, like libvirt's state change lock); behind a long one (a shutdown waiting for
/// the guest, a reboot, a backup, a snapshot, a clone, a restore) it is refused at once with 409 <c>busy</c>, naming
/// the operation and since when it runs (like Proxmox's "VM is locked (backup)"). A destroy does not queue behind a
/// shutdown: it cuts the shutdown's wait short and the VM is forced off at once.
/// </summary>
internal sealed partial class VirtualMachine
{
    /// <summary>The operation that holds <see cref="_ops"/> (null while none does, or for vireod's own recoveries).</summary>
    private LockHolder? _holder;

    /// <summary>Set by a destroy while a shutdown holds the lock: the shutdown stops waiting and forces the VM off.</summary>
    private bool _cutShort;

    private sealed record LockHolder(VmAction Action, DateTimeOffset Since);

    /// <summary>
    /// <see cref="Definition"/> and the <see cref="Revision"/> it belongs to, read together: a change computed from
    /// it and applied with that revision cannot overwrite a change made in between (it is refused as stale).
    /// </summary>
    public (VmSpec Definition, long Revision) DefinitionAndRevision
    {
        get { lock (_gate) return (_pending ?? _spec, _revision); }
    }

    /// <summary>Takes the operation lock for <paramref name="action"/>, or throws 409 busy per <see cref="VmLockPolicy"/>.</summary>
    private async Task EnterAsync(VmAction action, CancellationToken ct)
    {
        if (!_ops.Wait(0))
        {
            LockHolder? holder;
            lock (_gate)
                holder = _holder;
            switch (holder is null ? LockDecision.Wait : VmLockPolicy.Decide(holder.Action, action))
            {
                case LockDecision.Refuse:
                    throw Busy(action, holder!);
                case LockDecision.CutShort:
                    lock (_gate)
                    {
                        _cutShort = true;
                        var previous = _changed;
                        _changed = NewSignal();
                        previous.TrySetResult();
                    }
                    break;
            }
            if (!await _ops.WaitAsync(VmLockPolicy.LockWait, ct))
            {
                lock (_gate)
                    holder = _holder ?? holder;
                throw holder is null
                    ? new BusyException($"VM \"{Name}\" is busy: vireod's own recovery of it has held it for more than {VmLockPolicy.LockWait.TotalSeconds:0} s") { Hint = "Retry in a moment." }
                    : Busy(action, holder);
            }
        }
        lock (_gate)
        {
            _holder = new LockHolder(action, DateTimeOffset.UtcNow);
            _cutShort = false;
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            _holder = null;
            _cutShort = false;
        }
        _ops.Release();
    }

    private BusyException Busy(VmAction action, LockHolder holder)
    {
        var seconds = Math.Max(0, (DateTimeOffset.UtcNow - holder.Since).TotalSeconds);
        var (message, hint) = VmLockPolicy.Explain(Name, holder.Action, action, seconds);
        return new BusyException(message) { Hint = hint };
    }
}

/// <summary>What a request does when another operation holds the VM's lock.</summary>
internal enum LockDecision
{
    /// <summary>Wait for the lock, at most <see cref="VmLockPolicy.LockWait"/>, then 409 busy.</summary>
    Wait,
    /// <summary>409 busy at once: the operation in progress may take minutes.</summary>
    Refuse,
    /// <summary>Cut the operation in progress short (a destroy during a shutdown), then wait for the lock.</summary>
    CutShort,
}

/// <summary>The one rule for concurrent operations on a VM. Pure: tested without a VM.</summary>
internal static class VmLockPolicy
{
    /// <summary>
    /// The longest a request waits behind a short operation (start, destroy, edit, hot-plug...) before 409 busy;
    /// libvirt's state change lock waits 30 s too.
    /// </summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Operations that may hold the VM for minutes: a shutdown waits up to its timeout for the guest, a reboot up
    /// to 60 s, a backup, snapshot, clone or restore copies disks or memory.
    /// </summary>
    public static bool IsLong(VmAction action) => action is VmAction.Shutdown or VmAction.Reboot or VmAction.Backup
        or VmAction.Snapshot or VmAction.Clone or VmAction.Restore;

    public static LockDecision Decide(VmAction holder, VmAction request) =>
        holder == VmAction.Shutdown && request == VmAction.Destroy ? LockDecision.CutShort
        : IsLong(holder) ? LockDecision.Refuse
        : LockDecision.Wait;

    /// <summary>The message and hint of a refusal: what runs, since when, and what to do.</summary>
    public static (string Message, string Hint) Explain(string vm, VmAction holder, VmAction request, double seconds)
    {
        var message = $"VM \"{vm}\" is busy: {Describe(holder)} has been in progress for {seconds:0} s and {Describe(request)} cannot run alongside it";
        var hint = holder switch
        {
            VmAction.Shutdown => $"Wait for the guest to power off, or force it off now: vireo destroy {vm}",
            VmAction.Reboot => "Retry once the reboot has finished (at most 60 s).",
            _ when IsLong(holder) => $"Retry once the {Describe(holder).Split(' ', 2)[1]} has finished; vireo events shows when it has.",
            _ => "Retry in a moment.",
        };
        return (message, hint);
    }

    public static string Describe(VmAction action) => action switch
    {
        VmAction.Start => "a start",
        VmAction.Shutdown => "a shutdown",
        VmAction.Destroy => "a destroy",
        VmAction.Reboot => "a reboot",
        VmAction.Reset => "a reset",
        VmAction.Suspend => "a suspend",
        VmAction.Resume => "a resume",
        VmAction.Undefine => "an undefine",
        VmAction.Console => "a console attach",
        VmAction.ChangeDevices => "a device change",
        VmAction.Snapshot => "a snapshot operation",
        VmAction.Backup => "a backup",
        VmAction.Restore => "a restore",
        VmAction.Rename => "a rename",
        VmAction.Clone => "a clone",
        VmAction.Edit => "an edit",
        _ => "an operation",
    };
}

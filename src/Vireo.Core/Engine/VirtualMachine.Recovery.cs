using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    private volatile bool _rebootPending;

    /// <summary>A reboot was under way when vireod died (operation journal): ReattachAsync finishes it.</summary>
    public void MarkRebootPending() => _rebootPending = true;

    private volatile bool _revertPending;

    /// <summary>A snapshot revert was under way when vireod died: a QEMU still in prelaunch is never resumed.</summary>
    public void MarkRevertPending() => _revertPending = true;

    /// <summary>
    /// Settles what an operation on this VM that a killed vireod left in the journal (issue 18) did, after
    /// ReattachAsync took the state from QEMU: finishes or undoes it, and says which and how.
    /// <paramref name="detail"/> is what the operation noted (e.g. <c>attach-nic MAC</c>, <c>create SNAP</c>).
    /// </summary>
    public async Task<(OperationStatus Status, string Note)> SettleInterruptedAsync(string kind, string? detail, CancellationToken ct)
    {
        var words = (detail ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var has = HasProcess;
        var state = VmStateMachine.Describe(State);
        switch (kind)
        {
            case "start" when has:
                return (OperationStatus.Completed, $"QEMU runs; the VM is {state}");
            case "start":
                // Killed before QEMU ran (or while it failed): not a crash of the guest, so the VM is stopped.
                if (State == VmState.Crashed)
                    SetState(VmState.Stopped, "its start was interrupted when vireod stopped");
                return (OperationStatus.RolledBack, $"no QEMU was left; the VM is {VmStateMachine.Describe(State)}");
            case "shutdown" or "destroy":
                return has ? (OperationStatus.RolledBack, $"QEMU still runs; the VM is {state}; ask again to stop it")
                    : (OperationStatus.Completed, $"QEMU is gone; the VM is {state}");
            case "reboot":
                return has ? (OperationStatus.Completed, $"the reboot is finished by this vireod (reset at the guest's power-off, or after {RebootTimeoutSeconds} s); the VM is {state}")
                    : (OperationStatus.RolledBack, $"QEMU is gone; the VM is {state}");
            case "change-devices" when words is ["attach-nic", var mac]:
                return await SettleNicAttachAsync(mac, ct);
            case "change-devices" when words is ["attach-disk", var device, var node]:
                return await SettleDiskAttachAsync(device, node, ct);
            case "snapshot" when words is [var what, var snap]:
                return await SettleSnapshotAsync(what, snap, ct);
            case "backup" when detail is { } d && d.StartsWith("to ", StringComparison.Ordinal):
                return await SettleBackupAsync(d[3..], ct);
            case "undefine":
                return (OperationStatus.RolledBack, $"VM {Name} is still defined (its own files may be partly gone); the undefine can be asked again");
            default:
                return (OperationStatus.Completed, $"the VM is {state}, as its QEMU says{(has ? "" : " (no QEMU)")}; {kind} changes nothing outside one store transaction");
        }
    }

    /// <summary>Runs in the background after a restart that found a reboot under way and the guest still running.</summary>
    private void FinishRebootInBackground(QemuSession session)
    {
        var done = NewSignal();
        lock (_gate)
            _rebootDone = done;
        _ = Task.Run(async () =>
        {
            try
            {
                if (await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(RebootTimeoutSeconds))) != done.Task)
                {
                    Log.LogWarning("VM {Name}: the reboot begun before vireod restarted got no power-off within {Timeout} s; resetting", Name, RebootTimeoutSeconds);
                    await session.SystemResetAsync(CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                Log.LogWarning("VM {Name}: finishing the interrupted reboot failed: {Error}", Name, e.Message);
            }
            finally
            {
                lock (_gate)
                {
                    if (_rebootDone == done)
                        _rebootDone = null;
                }
            }
        });
    }

    private async Task<(OperationStatus, string)> SettleNicAttachAsync(string mac, CancellationToken ct)
    {
        if (Spec.Nics.Any(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase)))
            return (OperationStatus.Completed, $"the NIC {mac} is in the definition");
        QemuSession? session;
        lock (_gate)
            session = _session;
        if (session is null)
            return (OperationStatus.RolledBack, $"the NIC {mac} is not in the definition and no QEMU holds it");
        var id = VmPlanner.NicId(mac);
        // The device may or may not have been added; the netdev (and so the tap) was. Both go.
        await TryAsync(() => UnplugAsync(session, id, $"the NIC {mac}", "PCIe hot-plug", ct));
        await TryAsync(() => session.NetdevDelAsync(id, CancellationToken.None));
        return (OperationStatus.RolledBack, $"the half-plugged NIC {mac} ({id}) was removed from QEMU, its tap with it");
    }

    private async Task<(OperationStatus, string)> SettleDiskAttachAsync(string device, string node, CancellationToken ct)
    {
        if (Spec.Disks.Any(d => VmPlanner.DiskIds(d, 0).Device == device))
            return (OperationStatus.Completed, $"the disk {device} is in the definition");
        QemuSession? session;
        lock (_gate)
            session = _session;
        if (session is null)
            return (OperationStatus.RolledBack, $"the disk {device} is not in the definition and no QEMU holds it");
        await TryAsync(() => UnplugAsync(session, device, $"the disk {device}", "PCIe or SCSI hot-plug", ct));
        await TryAsync(() => RemoveNodesAsync(session, node, CancellationToken.None));
        return (OperationStatus.RolledBack, $"the half-plugged disk {device} was removed from QEMU (its image is closed)");
    }

    private async Task<(OperationStatus, string)> SettleBackupAsync(string target, CancellationToken ct)
    {
        QemuSession? session;
        lock (_gate)
            session = _session;
        // A live backup's QEMU jobs outlive vireod: end them before their target goes.
        if (session is not null)
            await TryAsync(() => ClearStaleJobsAsync(session, ct));
        var vmDir = Path.IsPathFullyQualified(target) ? Path.Combine(target, Name) : null;
        var removed = new List<string>();
        if (vmDir is not null && Directory.Exists(vmDir))
        {
            foreach (var stale in Directory.EnumerateDirectories(vmDir, Backups.BackupLayout.TempPrefix + "*"))
            {
                Backups.BackupLayout.TryDeleteDirectory(stale);
                removed.Add(Path.GetFileName(stale));
            }
        }
        return removed.Count > 0
            ? (OperationStatus.RolledBack, $"the unfinished backup in {vmDir} ({string.Join(", ", removed)}) was removed; the backups before it stand")
            : (OperationStatus.Completed, $"no unfinished backup was left in {vmDir ?? target}");
    }

    private async Task<(OperationStatus, string)> SettleSnapshotAsync(string what, string snap, CancellationToken ct)
    {
        var record = _ctx.Store.ListSnapshots(Uuid).FirstOrDefault(r => r.Name == snap);
        QemuSession? session;
        lock (_gate)
            session = _session;
        switch (what)
        {
            case "create" when record is not null:
                return (OperationStatus.Completed, $"snapshot \"{snap}\" is recorded");
            case "create":
            {
                // The disks may hold the snapshot that the store never recorded: it would only hide space.
                var targets = SnapshotDisks.Writable(Name, _ctx.Planner.Plan(Spec, Paths).Config.BlockNodes);
                if (session is null)
                    await DeleteFromDisksAsync(targets.Select(t => t.Path).ToList(), snap, ct);
                else
                    await TryAsync(() => DeleteLiveAsync(session, targets.Select(t => t.Node).ToList(), snap, null, ct));
                DeleteSnapshotUefiVars(snap);
                return (OperationStatus.RolledBack, $"snapshot \"{snap}\" was not recorded; it was deleted from the disks");
            }
            case "delete" when record is null:
                return (OperationStatus.Completed, $"snapshot \"{snap}\" is gone");
            case "delete":
            {
                var paths = ReadDisks(record).Select(d => d.Path).ToList();
                if (session is null)
                    await DeleteFromDisksAsync(paths, snap, ct);
                else
                    await TryAsync(() => DeleteLiveAsync(session, SnapshotDisks.Current(ReadDisks(record), _ctx.Planner.Plan(Spec, Paths).Config.BlockNodes)
                        .Where(n => n.Node is not null).Select(n => n.Node!).ToList(), snap, null, ct));
                _ctx.Store.DeleteSnapshot(Uuid, snap);
                DeleteSnapshotUefiVars(snap);
                return (OperationStatus.Completed, $"snapshot \"{snap}\" was deleted from the disks and the store");
            }
            case "revert" when record is not null && session is null:
            {
                // Some disks may be reverted and others not: apply the snapshot to all of them again.
                foreach (var disk in ReadDisks(record))
                {
                    if (File.Exists(disk.Path))
                        await Image().ApplySnapshotAsync(disk.Path, snap, ct);
                }
                RestoreSnapshotUefiVars(snap);
                DropKeptUefiVars(File.Exists(Paths.UefiVars + ".before-revert") ? Paths.UefiVars + ".before-revert" : null);
                return (OperationStatus.Completed, $"the disks were reverted to snapshot \"{snap}\" (again, all of them); the VM is stopped");
            }
            case "revert" when session is not null:
                return (OperationStatus.RolledBack, $"the VM runs on as it was before the revert (its QEMU never loaded the snapshot); the revert can be asked again");
            default:
                return (OperationStatus.Completed, $"the VM is {VmStateMachine.Describe(State)}, as its QEMU says");
        }
    }
}

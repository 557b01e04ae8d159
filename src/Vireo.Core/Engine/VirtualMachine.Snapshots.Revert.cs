using Vireo.Contracts;
using Vireo.Core.Errors;
using System.Text.Json;
using Vireo.Persistence;
using Vireo.Qemu;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// A memory snapshot brings the VM back to the state it was taken in (running or paused, unless
    /// <paramref name="wanted"/> says otherwise) without a reboot: loaded into the running QEMU, or into a QEMU
    /// started paused for the purpose when the VM is stopped.
    /// </summary>
    private async Task<string> RevertMemoryAsync(SnapshotRecord record, IReadOnlyList<SnapshotTarget> targets, string holderPath,
        VmState? wanted, Reverter revert, CancellationToken ct)
    {
        var snap = record.Name;
        var target = wanted ?? (VmStateMachine.Parse(record.VmState) == VmState.Paused ? VmState.Paused : VmState.Running);
        var vmstateNode = targets.First(t => t.Path == holderPath).Node;
        QemuSession? session;
        lock (_gate)
            session = _session;
        // Checked before anything changes: a load that fails half-way leaves an undefined guest.
        await RequireOnDisksAsync(targets.Select(t => t.Path), snap, holderPath, forceShare: session is not null, ct);
        var state = VmStateMachine.Describe(target);

        // The saved RAM and vCPUs load only into a QEMU of the same size. When the VM's memory or vCPUs changed
        // since (vireo set, edit, hot-plug), the revert brings them back with the guest, as libvirt restores the
        // definition saved with a snapshot: a running QEMU of the other size is replaced (its state is discarded
        // by the revert anyway) and the definition takes the snapshot's memory and vCPUs.
        var layout = record.MemoryLayoutJson is { } json ? JsonSerializer.Deserialize(json, VireoJsonContext.Default.SnapshotLayout) : null;
        string? resized = null;
        var current = session is null ? LayoutOf(Spec) : await RunningLayoutAsync(session, ct);
        if (layout is not null && Normal(current) != Normal(layout))
        {
            if (session is not null)
            {
                // Not undone: the revert replaces the running guest anyway, and this QEMU has the wrong size for it.
                revert.Step("power-off");
                await ForceOffAsync(session, ExitKind.Destroyed, ct);
                session = null;
            }
            long revision;
            VmSpec spec;
            lock (_gate)
            {
                revision = _revision;
                spec = _spec;
            }
            // QEMU starts with the vCPUs the snapshot's QEMU started with; the hot-plugged ones are plugged again
            // (into the same slots, under the same ids) before the state loads.
            revert.Step("definition");
            SaveDefinition(revision, spec with { Memory = layout.Memory, MaxMemory = layout.MaxMemory, Vcpus = layout.BootVcpus ?? layout.Vcpus, MaxVcpus = layout.MaxVcpus }, null);
            revert.Add("definition", () =>
            {
                long now;
                lock (_gate)
                    now = _revision;
                SaveDefinition(now, spec, null);
            });
            if (current with { BootVcpus = null } != layout with { BootVcpus = null })
                resized = $"; memory and vCPUs are back to the snapshot's ({SizeParser.FormatMiB(layout.Memory)}, {layout.Vcpus} vCPU{(layout.Vcpus == 1 ? "" : "s")})";
        }
        // The load is the point of no return: snapshot-load puts the snapshot's content on the disks and its state in
        // the guest. Before it, the reverter puts back the definition, the UEFI variables and the current snapshot.
        if (session is not null)
        {
            MarkCurrent(revert, snap);
            revert.Step("load");
            await LoadLiveAsync(session, targets, vmstateNode, snap, target, trackState: true, revert, ct);
            revert.Success();
            return $"reverted to snapshot \"{snap}\"; the VM is {state}";
        }
        // No QEMU holds the store: put the snapshot's back before the start opens it. (A running QEMU gets it from
        // the RAM image instead: pflash contents are migrated RAM, which QEMU writes back to the file on load.)
        revert.Step("uefi-vars");
        var kept = RestoreSnapshotUefiVars(snap, revert);
        MarkCurrent(revert, snap);
        revert.Step("load");
        // A start that fails (or a load inside it) is undone by the start's own reverter: no QEMU is left.
        await StartCoreAsync(ct, async (started, c) =>
        {
            if (layout is { BootVcpus: { } boot } && layout.Vcpus > boot)
                await started.PlugVcpusAsync(layout.Vcpus, c);
            await LoadLiveAsync(started, targets, vmstateNode, snap, target, trackState: false, null, c);
            return (target, $"reverted to snapshot \"{snap}\"");
        });
        revert.Success();
        DropKeptUefiVars(kept);
        if (layout is { BootVcpus: { } booted } && layout.Vcpus > booted)
        {
            // The running view counts the re-plugged vCPUs, as after a live hot-plug.
            long revision;
            VmSpec spec;
            lock (_gate)
            {
                revision = _revision;
                spec = _spec;
            }
            SaveDefinition(revision, spec with { Vcpus = layout.Vcpus }, null);
        }
        return $"reverted to snapshot \"{snap}\"; the VM is {state}{resized}";
    }

    /// <summary>The running QEMU's RAM and vCPUs, with how many vCPUs it started with (the rest were hot-plugged).</summary>
    private static async Task<SnapshotLayout> RunningLayoutAsync(QemuSession session, VmSpec spec, CancellationToken ct)
    {
        var boot = await session.BootVcpusAsync(ct);
        return LayoutOf(spec) with { BootVcpus = boot == spec.Vcpus ? null : boot };
    }

    private Task<SnapshotLayout> RunningLayoutAsync(QemuSession session, CancellationToken ct) => RunningLayoutAsync(session, Spec, ct);

    /// <summary>Layouts compare with "all at start" written out.</summary>
    private static SnapshotLayout Normal(SnapshotLayout layout) => layout with { BootVcpus = layout.BootVcpus ?? layout.Vcpus };

    /// <summary>The RAM and vCPUs QEMU runs <paramref name="spec"/> with, as a memory snapshot records them.</summary>
    private static SnapshotLayout LayoutOf(VmSpec spec) =>
        new() { Memory = spec.Memory, MaxMemory = spec.MaxMemory, Vcpus = spec.Vcpus, MaxVcpus = spec.MaxVcpus };

    /// <summary>
    /// A disk-only snapshot replaces the disks, which a running guest must not see happen: the VM has to be
    /// stopped (with <see cref="SnapshotRevertRequest.Force"/> it is powered off first). It stays stopped unless
    /// asked to run, and then boots from the reverted disks.
    /// </summary>
    private async Task<string> RevertDiskOnlyAsync(SnapshotRecord record, IReadOnlyList<SnapshotDisk> disks, SnapshotRevertRequest request,
        Reverter revert, CancellationToken ct)
    {
        var snap = record.Name;
        if (request.State == VmState.Paused)
            throw new InvalidInputException($"snapshot \"{snap}\" is disk-only: it holds no running guest to pause",
                [new FieldError { Field = "state", Value = "paused", Message = "needs a memory snapshot" }])
            {
                Hint = $"Revert it without --paused (vireo snapshot revert {Name} {snap}, or with --running to start it too)",
            };
        QemuSession? session;
        lock (_gate)
            session = _session;
        await RequireOnDisksAsync(disks.Select(d => d.Path), snap, null, forceShare: session is not null, ct);
        if (session is not null)
        {
            if (!request.Force)
                throw new InvalidStateException(
                    $"snapshot \"{snap}\" of VM \"{Name}\" is disk-only: reverting it replaces the disks under the running guest")
                {
                    Hint = $"Shut the VM down first (vireo shutdown {Name}), or power it off as part of the revert, losing its unsaved state: vireo snapshot revert {Name} {snap} --force",
                };
            // Not undone: powering off is what --force asks for, and the revert discards the running state anyway.
            revert.Step("power-off");
            await ForceOffAsync(session, ExitKind.Destroyed, ct);
        }
        revert.Step("uefi-vars");
        var kept = RestoreSnapshotUefiVars(snap, revert);
        MarkCurrent(revert, snap);
        revert.Step("disks");
        // The point of no return: qemu-img snapshot -a replaces each disk's content. A first disk that fails changed
        // nothing (everything is undone); one that fails after others were reverted leaves the revert half-done, and
        // it applies to every disk again when asked again.
        var applied = 0;
        foreach (var disk in disks)
        {
            try
            {
                await Image().ApplySnapshotAsync(disk.Path, snap, ct);
            }
            catch (QemuImgException e) when (applied > 0)
            {
                throw new QemuFailedException($"cannot revert VM \"{Name}\": disk {disk.Path} failed after {applied} of {disks.Count} disks were reverted " +
                    $"({e.Message}); revert to snapshot \"{snap}\" again to finish", e);
            }
            if (applied++ == 0)
            {
                revert.Success();
                DropKeptUefiVars(kept);
            }
            Vireo.Host.CrashPoints.Hit("snapshot-revert.disk-applied");
        }
        if (applied == 0)
        {
            revert.Success();
            DropKeptUefiVars(kept);
        }
        if (State == VmState.Crashed)
            SetState(VmState.Stopped, $"reverted to snapshot \"{snap}\"");
        if (request.State == VmState.Running)
        {
            await StartCoreAsync(ct);
            return $"reverted to snapshot \"{snap}\" and started";
        }
        return $"reverted to snapshot \"{snap}\"; the VM stays stopped until it is started, then boots from the snapshot's disks";
    }
}

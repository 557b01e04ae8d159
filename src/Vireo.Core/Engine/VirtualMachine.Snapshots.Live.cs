using Vireo.Contracts;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

/// <summary>Snapshots of a VM that has a QEMU process: QMP jobs and transactions on its block nodes.</summary>
internal sealed partial class VirtualMachine
{
    /// <summary>
    /// snapshot-save: RAM and device state go into the first writable disk, an internal snapshot with the same name
    /// onto every writable disk, at one instant. QEMU stops a running guest for the duration and resumes it; if
    /// creating a disk's snapshot fails, QEMU deletes those it made.
    /// </summary>
    private static async Task SaveLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string snap, CancellationToken ct)
    {
        var jobId = JobId("save");
        var devices = targets.Select(t => t.Node).ToList();
        await session.RunJobAsync(jobId, c => session.ExecuteAsync(new SnapshotSaveCommand(jobId, snap, targets[0].Node, devices), c), null, ct);
    }

    /// <summary>
    /// One transaction of blockdev-snapshot-internal-sync actions: every disk at the same instant, or none.
    /// Crash-consistent: what the guest had not flushed is not in it.
    /// </summary>
    private async Task CreateDiskOnlyLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string snap, CancellationToken ct)
    {
        await using var frozen = await FreezeGuestFileSystemsAsync(session, ct);
        var actions = targets.Select(t => InternalSnapshotActions.Create(t.Node, snap)).ToList();
        await session.ExecuteAsync(QmpCommands.Transaction(actions), ct);
    }

    /// <summary>
    /// Seam for the guest agent (provisioning issue): freeze the guest's file systems (guest-fsfreeze-freeze)
    /// before a disk-only snapshot and thaw them when the returned handle is disposed, making the snapshot
    /// application-consistent. Until the agent exists there is nothing to freeze and the snapshot is
    /// crash-consistent, like pulling the power cord at that instant.
    /// </summary>
    private static Task<IAsyncDisposable?> FreezeGuestFileSystemsAsync(QemuSession session, CancellationToken ct)
    {
        _ = session;
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IAsyncDisposable?>(null);
    }

    /// <summary>snapshot-delete: removes the snapshot from every listed node that holds it.</summary>
    private static async Task DeleteLiveAsync(QemuSession session, IReadOnlyList<string> nodes, string snap, CancellationToken ct)
    {
        var jobId = JobId("delete");
        await session.RunJobAsync(jobId, c => session.ExecuteAsync(new SnapshotDeleteCommand(jobId, snap, nodes), c), null, ct);
    }

    /// <summary>
    /// Brings a memory snapshot back into a live QEMU (running, paused, or just launched with -S) and leaves the
    /// VM in <paramref name="target"/>. snapshot-load itself resumes a guest that was running, so a guest meant to
    /// stay paused is stopped first. A load that fails after it started leaves a half-loaded guest: it stays
    /// paused, with a reason that says so.
    /// </summary>
    private async Task LoadLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string vmstateNode, string snap,
        VmState target, bool trackState, CancellationToken ct)
    {
        if (target == VmState.Paused && await session.QueryStatusAsync(ct) == "running")
            await session.StopAsync(ct);
        var jobId = JobId("load");
        var devices = targets.Select(t => t.Node).ToList();
        try
        {
            await session.RunJobAsync(jobId, c => session.ExecuteAsync(new SnapshotLoadCommand(jobId, snap, vmstateNode, devices), c), null, ct);
        }
        catch when (trackState)
        {
            SetState(VmState.Paused, $"revert to snapshot \"{snap}\" failed half-way; the guest's state is undefined: revert again, or destroy the VM");
            throw;
        }
        if (!trackState)
            return;
        if (target == VmState.Running)
        {
            if (await session.QueryStatusAsync(ct) != "running")
                await session.ContAsync(ct);
            SetState(VmState.Running, $"reverted to snapshot \"{snap}\"");
        }
        else
        {
            SetState(VmState.Paused, $"reverted to snapshot \"{snap}\" (paused)");
        }
    }

    private static string JobId(string verb) => $"vireo-snapshot-{verb}-{Guid.NewGuid():N}";
}

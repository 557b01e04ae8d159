using Vireo.Core.Errors;
using Microsoft.Extensions.Logging;
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
    private static async Task SaveLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string snap, Reverter? revert, CancellationToken ct)
    {
        var jobId = JobId("save");
        var devices = targets.Select(t => t.Node).ToList();
        AddJobUndo(revert, session, jobId);
        await session.RunJobAsync(jobId, c => session.ExecuteAsync(new SnapshotSaveCommand(jobId, snap, targets[0].Node, devices), c), null, ct);
    }

    /// <summary>
    /// One transaction of blockdev-snapshot-internal-sync actions: every disk at the same instant, or none.
    /// When the guest agent answers, the guest's file systems are frozen around it (guest-fsfreeze-freeze, then
    /// -thaw in a finally), so what the guest had written is on disk; otherwise the snapshot is crash-consistent,
    /// like pulling the power cord at that instant. Returns which of the two it is, in words.
    /// </summary>
    private async Task<string> CreateDiskOnlyLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string snap, CancellationToken ct)
    {
        var (frozen, consistency) = await FreezeGuestFileSystemsAsync(ct);
        try
        {
            var actions = targets.Select(t => InternalSnapshotActions.Create(t.Node, snap)).ToList();
            await session.ExecuteAsync(QmpCommands.Transaction(actions), ct);
        }
        finally
        {
            if (frozen)
                await ThawGuestFileSystemsAsync();
        }
        return consistency;
    }

    /// <summary>How long the guest may take to freeze its file systems (it flushes them first).</summary>
    private static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Freezes the guest's file systems through the agent; (false, why) when it cannot.</summary>
    private async Task<(bool Frozen, string Consistency)> FreezeGuestFileSystemsAsync(CancellationToken ct)
    {
        if (State != VmState.Running)
            return (false, $"crash-consistent: the guest agent did not answer (the VM is {VmStateMachine.Describe(State)})");
        var asked = false;
        try
        {
            var count = await WithAgentAsync("guest-fsfreeze-freeze", (c, t) =>
            {
                asked = true;
                return c.FsFreezeAsync(null, t);
            }, FreezeTimeout, ct);
            Log.LogInformation("VM {Name}: {Count} guest file systems frozen for a snapshot", Name, count);
            return (true, $"file systems frozen by the guest agent ({count})");
        }
        catch (VireoException e) when (e is OperationTimeoutException or QemuFailedException or InvalidStateException)
        {
            // A freeze that was sent and then timed out or failed half-way may leave file systems frozen in the
            // guest: thaw (harmless on a thawed guest). When the agent never answered the sync, nothing was sent.
            if (asked)
                await ThawGuestFileSystemsAsync();
            return (false, $"crash-consistent: the guest agent did not answer ({e.Message})");
        }
    }

    /// <summary>Thaws the guest's file systems; tries three times, never with the caller's token (it must happen).</summary>
    private async Task ThawGuestFileSystemsAsync()
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                var thawed = await WithAgentAsync("guest-fsfreeze-thaw", (c, t) => c.FsThawAsync(null, t), AgentCallTimeout, CancellationToken.None);
                Log.LogInformation("VM {Name}: {Count} guest file systems thawed", Name, thawed);
                return;
            }
            catch (VireoException e)
            {
                Log.LogError("VM {Name}: thawing the guest's file systems failed (attempt {Attempt} of 3): {Error}", Name, attempt, e.Message);
            }
        }
    }

    /// <summary>snapshot-delete: removes the snapshot from every listed node that holds it.</summary>
    private static async Task DeleteLiveAsync(QemuSession session, IReadOnlyList<string> nodes, string snap, Reverter? revert, CancellationToken ct)
    {
        var jobId = JobId("delete");
        AddJobUndo(revert, session, jobId);
        await session.RunJobAsync(jobId, c => session.ExecuteAsync(new SnapshotDeleteCommand(jobId, snap, nodes), c), null, ct);
    }

    /// <summary>
    /// Brings a memory snapshot back into a live QEMU (running, paused, or just launched with -S) and leaves the
    /// VM in <paramref name="target"/>. snapshot-load itself resumes a guest that was running, so a guest meant to
    /// stay paused is stopped first. A load that fails after it started leaves a half-loaded guest: it stays
    /// paused, with a reason that says so.
    /// </summary>
    private async Task LoadLiveAsync(QemuSession session, IReadOnlyList<SnapshotTarget> targets, string vmstateNode, string snap,
        VmState target, bool trackState, Reverter? revert, CancellationToken ct)
    {
        if (target == VmState.Paused && await session.QueryStatusAsync(ct) == "running")
            await session.StopAsync(ct);
        var jobId = JobId("load");
        var devices = targets.Select(t => t.Node).ToList();
        Vireo.Host.CrashPoints.Hit("snapshot-revert.memory-load");
        AddJobUndo(revert, session, jobId);
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

    /// <summary>
    /// Registers, before a snapshot job's command goes out, the undo that ends the job: a request cancelled while
    /// QEMU had the command in hand (frozen, busy) would otherwise leave a job nobody dismisses. The job is cancelled
    /// if it still runs (snapshot jobs may run to their end regardless), waited for, and dismissed; "no such job"
    /// (it ended and was dismissed, or never started) is fine.
    /// </summary>
    private static void AddJobUndo(Reverter? revert, QemuSession session, string jobId) =>
        revert?.Add("job " + jobId, t => EndJobAsync(session, jobId));

    /// <summary>Cancels (if still running), waits for and dismisses the QEMU job <paramref name="jobId"/>; quiet when it is gone.</summary>
    internal static async Task EndJobAsync(QemuSession session, string jobId)
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        try
        {
            await session.RunJobAsync(jobId, _ => Task.CompletedTask, null, cancelled.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or VireoException)
        {
            // Cancelled and dismissed, failed and dismissed, or not there ("vanished"): no job is left either way.
        }
    }

    private static string JobId(string verb) => $"vireo-snapshot-{verb}-{Guid.NewGuid():N}";
}

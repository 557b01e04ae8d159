using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Qemu.Model;

namespace Vireo.Core.Engine;

/// <summary>Snapshots of a VM without a QEMU process: qemu-img on each qcow2 disk.</summary>
internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Refuses, before anything changes, a name that a disk already holds as an internal snapshot Vireo did not
    /// record (qemu-img would add a second one under it; QEMU refuses it). Checked before the snapshot's undo is
    /// registered, so that the undo can never delete a snapshot this operation did not make.
    /// </summary>
    private async Task RefuseUnrecordedAsync(IReadOnlyList<SnapshotTarget> targets, string snap, bool forceShare, CancellationToken ct)
    {
        foreach (var target in targets)
        {
            if ((await Image().ListSnapshotsAsync(target.Path, DiskFormat.Qcow2, forceShare, ct)).Any(s => s.Name == snap))
                throw new AlreadyExistsException(
                    $"disk {target.Path} already holds an internal snapshot named \"{snap}\" that Vireo did not record (made with qemu-img?)")
                {
                    Hint = $"Pick another name, or remove that snapshot: qemu-img snapshot -d {snap} {target.Path}",
                };
        }
    }

    /// <summary>qemu-img snapshot -c on every disk; the caller's reverter removes those made if one disk fails.</summary>
    private async Task CreateOfflineAsync(IReadOnlyList<SnapshotTarget> targets, string snap, CancellationToken ct)
    {
        foreach (var target in targets)
            await Image().CreateSnapshotAsync(target.Path, snap, ct);
    }

    /// <summary>
    /// The undo of a snapshot on <paramref name="targets"/>: deleted through QEMU while it runs (it holds the images),
    /// else with qemu-img; disks that do not hold it are skipped, so it also undoes a snapshot made on some disks only.
    /// </summary>
    private Task UnsnapshotAsync(QemuSession? session, IReadOnlyList<SnapshotTarget> targets, string snap, CancellationToken t) =>
        session is null
            ? DeleteFromDisksAsync(targets.Select(x => x.Path).ToList(), snap, t)
            : DeleteLiveAsync(session, targets.Select(x => x.Node).ToList(), snap, null, t);

    /// <summary>
    /// qemu-img snapshot -d on every listed disk that exists and holds the snapshot (so a delete that failed
    /// half-way can simply be repeated).
    /// </summary>
    private async Task DeleteFromDisksAsync(IReadOnlyList<string> paths, string snap, CancellationToken ct)
    {
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                Log.LogWarning("VM {Name}: disk {Path} of snapshot {Snap} no longer exists; nothing to delete there", Name, path, snap);
                continue;
            }
            if ((await Image().ListSnapshotsAsync(path, DiskFormat.Qcow2, false, ct)).Any(s => s.Name == snap))
                await Image().DeleteSnapshotAsync(path, snap, ct);
        }
    }

    /// <summary>
    /// Refuses, before anything changes, a revert whose snapshot is missing from a disk (removed outside Vireo)
    /// or whose RAM image is empty. <paramref name="forceShare"/> reads images a running QEMU holds.
    /// </summary>
    private async Task RequireOnDisksAsync(IEnumerable<string> paths, string snap, string? vmstateHolder, bool forceShare, CancellationToken ct)
    {
        foreach (var path in paths)
        {
            if (!File.Exists(path))
                throw new InvalidStateException($"disk {path} of snapshot \"{snap}\" no longer exists; nothing was changed");
            var found = (await Image().ListSnapshotsAsync(path, DiskFormat.Qcow2, forceShare, ct)).FirstOrDefault(s => s.Name == snap);
            if (found is null)
                throw new InvalidStateException(
                    $"disk {path} no longer holds snapshot \"{snap}\" (removed outside Vireo?); nothing was changed")
                {
                    Hint = $"Forget the snapshot: vireo snapshot delete {Name} {snap}",
                };
            if (path == vmstateHolder && found.VmStateSize == 0)
                throw new InvalidStateException($"snapshot \"{snap}\" on {path} holds no RAM image; nothing was changed");
        }
    }
}

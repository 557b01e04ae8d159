using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu.Model;

namespace Vireo.Core.Engine;

/// <summary>A disk a snapshot is taken on: its image and the block node QEMU knows it by (from the planner).</summary>
internal sealed record SnapshotTarget(string Path, string Node);

/// <summary>
/// Which disks a snapshot covers. Internal snapshots live inside qcow2 images, so every writable disk must be
/// qcow2 (a snapshot that skipped a writable disk would bring back an inconsistent machine); read-only disks
/// and CD-ROMs cannot change and are left out.
/// </summary>
internal static class SnapshotDisks
{
    /// <summary>The writable disks, in spec order; refuses raw writable disks and VMs without a writable disk.</summary>
    public static IReadOnlyList<SnapshotTarget> Writable(string vm, IReadOnlyList<BlockNode> nodes)
    {
        var raw = nodes.Where(n => !n.ReadOnly && n.Format != DiskFormat.Qcow2).ToList();
        if (raw.Count > 0)
        {
            throw new InvalidStateException(
                $"VM \"{vm}\" cannot be snapshotted: its writable disk {string.Join(", ", raw.Select(r => r.Path))} " +
                $"{(raw.Count == 1 ? "is" : "are")} raw, and snapshots are stored inside qcow2 images")
            {
                Hint = "Convert it to qcow2 (vireo vol convert SOURCE NEW --format qcow2, or qemu-img convert -f raw -O qcow2 SRC DST) " +
                    "and point the VM at the copy, or attach it read-only",
            };
        }
        var targets = nodes.Where(n => !n.ReadOnly).Select(n => new SnapshotTarget(n.Path, n.NodeName)).ToList();
        if (targets.Count == 0)
            throw new InvalidStateException($"VM \"{vm}\" has no writable disk to snapshot; snapshots are stored inside its qcow2 disks")
            {
                Hint = $"Add a qcow2 disk: vireo disk attach {vm} POOL/NAME",
            };
        return targets;
    }

    /// <summary>
    /// Maps a snapshot's recorded disks onto the VM's current block nodes (by path). Null entries are disks that
    /// are no longer attached.
    /// </summary>
    public static IReadOnlyList<(SnapshotDisk Disk, string? Node)> Current(IReadOnlyList<SnapshotDisk> recorded, IReadOnlyList<BlockNode> nodes) =>
        recorded.Select(d => (d, nodes.FirstOrDefault(n => !n.ReadOnly && n.Path == d.Path)?.NodeName)).ToList();

    /// <summary>
    /// Disks the VM has now that it did not have when a snapshot was taken: writable ones the snapshot does not
    /// cover, and read-only ones (<paramref name="readOnlyNow"/>, from <see cref="ReadOnly"/>) missing from
    /// <paramref name="recordedReadOnly"/>, unless that is null (a snapshot from before they were recorded).
    /// </summary>
    public static IReadOnlyList<string> AddedSince(IReadOnlyList<SnapshotDisk> recorded, IReadOnlyList<string>? recordedReadOnly,
        IReadOnlyList<BlockNode> nodes, IReadOnlyList<string> readOnlyNow) =>
        nodes.Where(n => !n.ReadOnly && recorded.All(d => d.Path != n.Path)).Select(n => n.Path)
            .Concat(recordedReadOnly is null ? [] : readOnlyNow.Where(p => !recordedReadOnly.Contains(p)))
            .ToList();

    /// <summary>
    /// The read-only disks of a spec, by path, CD-ROM drives left out: their media can be changed on a running VM
    /// (the guest sees a media change, not a new device).
    /// </summary>
    public static IReadOnlyList<string> ReadOnly(VmSpec spec) =>
        spec.Disks.Where(d => d.Readonly && d.Device != "cdrom" && d.Path is not null).Select(d => d.Path!).ToList();
}

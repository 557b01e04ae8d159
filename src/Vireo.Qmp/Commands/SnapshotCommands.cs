using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>
/// <c>snapshot-save</c> (QEMU 6.0+): starts a job that writes the VM's RAM and device state into
/// <see cref="VmState"/> and takes an internal snapshot named <see cref="Tag"/> on every node of
/// <see cref="Devices"/>, all at one point in time. A running guest is stopped for the duration and resumed after.
/// The job is created with manual dismiss: poll <c>query-jobs</c> and <c>job-dismiss</c> it when concluded.
/// </summary>
/// <param name="JobId">Id of the job to create.</param>
/// <param name="Tag">Snapshot name; refused (in the job's error) when any device already holds one with that name.</param>
/// <param name="VmState">Format node that receives the RAM image (a writable qcow2 node, also listed in <paramref name="Devices"/>).</param>
/// <param name="Devices">Format nodes to snapshot; every writable disk for a consistent snapshot.</param>
public sealed record SnapshotSaveCommand(string JobId, string Tag, string VmState, IReadOnlyList<string> Devices) : QmpEmptyCommand("snapshot-save")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SnapshotJobArguments.Build(JobId, Tag, VmState, Devices);
}

/// <summary>
/// <c>snapshot-load</c> (QEMU 6.0+): starts a job that reverts every node of <see cref="Devices"/> to the internal
/// snapshot <see cref="Tag"/> and loads RAM and device state from <see cref="VmState"/>. QEMU stops the guest and,
/// on success, resumes it only if it was running before; a failed load leaves it stopped (status restore-vm)
/// with an undefined guest state. Disk-only snapshots cannot be loaded this way.
/// </summary>
/// <param name="JobId">Id of the job to create.</param>
/// <param name="Tag">Snapshot name.</param>
/// <param name="VmState">Format node that holds the RAM image.</param>
/// <param name="Devices">Format nodes to revert; all those the snapshot was taken on.</param>
public sealed record SnapshotLoadCommand(string JobId, string Tag, string VmState, IReadOnlyList<string> Devices) : QmpEmptyCommand("snapshot-load")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SnapshotJobArguments.Build(JobId, Tag, VmState, Devices);
}

/// <summary>
/// <c>snapshot-delete</c> (QEMU 6.0+): starts a job that deletes the internal snapshot <see cref="Tag"/> from every
/// node of <see cref="Devices"/> that holds it (nodes without it are skipped). qcow2 snapshots are refcounted, so
/// clusters still used by another snapshot or by the current state stay.
/// </summary>
/// <param name="JobId">Id of the job to create.</param>
/// <param name="Tag">Snapshot name.</param>
/// <param name="Devices">Format nodes to delete it from.</param>
public sealed record SnapshotDeleteCommand(string JobId, string Tag, IReadOnlyList<string> Devices) : QmpEmptyCommand("snapshot-delete")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SnapshotJobArguments.Build(JobId, Tag, null, Devices);
}

/// <summary>
/// <c>blockdev-snapshot-delete-internal-sync</c>: deletes one node's internal snapshot by name, synchronously.
/// </summary>
/// <param name="Device">Node name (or device name) of a root format node.</param>
/// <param name="SnapshotName">The snapshot's name.</param>
public sealed record BlockdevSnapshotDeleteInternalCommand(string Device, string SnapshotName) : QmpEmptyCommand("blockdev-snapshot-delete-internal-sync")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["device"] = Device, ["name"] = SnapshotName };
}

/// <summary>Transaction actions for internal (in-image) snapshots.</summary>
public static class InternalSnapshotActions
{
    /// <summary>
    /// A <c>blockdev-snapshot-internal-sync</c> action: a disk-only internal snapshot of one qcow2 node. Put one
    /// per disk into a single <see cref="TransactionCommand"/> so that every disk is captured at the same instant
    /// (if one fails, none is taken).
    /// </summary>
    /// <param name="device">Node name of a writable qcow2 format node.</param>
    /// <param name="name">Snapshot name; QEMU refuses it when the node already holds one with that name.</param>
    public static TransactionAction Create(string device, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new TransactionAction("blockdev-snapshot-internal-sync", new JsonObject { ["device"] = device, ["name"] = name });
    }
}

internal static class SnapshotJobArguments
{
    public static JsonObject Build(string jobId, string tag, string? vmState, IReadOnlyList<string> devices)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(tag);
        if (devices.Count == 0)
            throw new ArgumentException("A snapshot job needs at least one device.", nameof(devices));
        var args = new JsonObject { ["job-id"] = jobId, ["tag"] = tag };
        if (vmState is not null)
            args["vmstate"] = vmState;
        args["devices"] = new JsonArray(devices.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
        return args;
    }
}

using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>What a snapshot captured.</summary>
public enum SnapshotKind
{
    /// <summary>Disks, RAM and device state of a running or paused VM: a revert resumes the guest where it was.</summary>
    [JsonStringEnumMemberName("memory")] Memory,
    /// <summary>Disks only (crash-consistent for a running VM): a revert leaves the VM stopped, to boot from the old disks.</summary>
    [JsonStringEnumMemberName("disk")] Disk,
}

/// <summary>The body of <c>POST /v1/vms/{name}/snapshots</c>.</summary>
public sealed record SnapshotCreateRequest
{
    /// <summary>Snapshot name, unique per VM; same rule as VM names, and not all digits (qcow2 would confuse it with an id).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// What to capture. Null picks the default: <c>memory</c> for a running or paused VM, <c>disk</c> for a stopped one.
    /// <c>memory</c> on a stopped VM is refused (it has no RAM to save).
    /// </summary>
    public SnapshotKind? Kind { get; init; }

    /// <summary>Free text shown by <c>vireo snapshot info</c>.</summary>
    public string? Description { get; init; }
}

/// <summary>The body of <c>POST /v1/vms/{name}/snapshots/{snap}/revert</c> (may be empty).</summary>
public sealed record SnapshotRevertRequest
{
    /// <summary>
    /// Reverting a disk-only snapshot needs a stopped VM; with force a running VM is powered off first (its
    /// unsaved state is lost, as with <c>vireo destroy</c>).
    /// </summary>
    public bool Force { get; init; }

    /// <summary>
    /// State the VM ends in: <c>running</c> or <c>paused</c>. Null: a memory snapshot brings back the state it was
    /// taken in; a disk-only one leaves the VM stopped (<c>running</c> boots it after the revert).
    /// </summary>
    public VmState? State { get; init; }
}

/// <summary>
/// The RAM and vCPUs a memory snapshot's saved state was taken with: QEMU must be started with the same to load it.
/// Stored with the snapshot (not shown by the API).
/// </summary>
public sealed record SnapshotLayout
{
    /// <summary>The spec's memory (the balloon's target then), MiB.</summary>
    public long Memory { get; init; }
    /// <summary>The spec's max_memory then (QEMU's RAM is this, or memory when null).</summary>
    public long? MaxMemory { get; init; }
    /// <summary>vCPUs present then (hot-plugged ones included).</summary>
    public int Vcpus { get; init; }
    /// <summary>
    /// vCPUs QEMU was started with (<c>-smp N</c>); the rest of <see cref="Vcpus"/> were hot-plugged and must be
    /// plugged again, into the same slots, before the saved state loads. Null: all were there from the start.
    /// </summary>
    public int? BootVcpus { get; init; }
    /// <summary>The spec's max_vcpus then.</summary>
    public int? MaxVcpus { get; init; }
}

/// <summary>One disk a snapshot covers.</summary>
public sealed record SnapshotDisk
{
    /// <summary>Image path.</summary>
    public required string Path { get; init; }

    /// <summary>QEMU block node name of the disk when the snapshot was taken (informative: node names can change).</summary>
    public string? Node { get; init; }

    /// <summary>True for the disk that holds the RAM image of a memory snapshot.</summary>
    public bool HoldsVmState { get; init; }
}

/// <summary>A snapshot as <c>vireo snapshot list/info</c> shows it.</summary>
public sealed record SnapshotInfo
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>The VM it belongs to.</summary>
    public required string Vm { get; init; }

    /// <summary>What it captured.</summary>
    public required SnapshotKind Kind { get; init; }

    /// <summary>The VM's state when it was taken (<c>running</c>, <c>paused</c> or <c>stopped</c>).</summary>
    public required VmState VmState { get; init; }

    /// <summary>When it was taken.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The snapshot that was current when this one was taken; null for a root.</summary>
    public string? Parent { get; init; }

    /// <summary>Snapshots taken from this one (directly), oldest first.</summary>
    public IReadOnlyList<string> Children { get; init; } = [];

    /// <summary>True for the VM's current snapshot: the last one taken or reverted to, the parent of the next.</summary>
    public bool Current { get; init; }

    /// <summary>Free text given at creation.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// Only in the answer to creating a disk-only snapshot of a running VM: "file systems frozen by the guest agent
    /// (N)", or "crash-consistent: the guest agent did not answer" (and why). Not stored.
    /// </summary>
    public string? Consistency { get; init; }

    /// <summary>The disks it covers (every writable disk of the VM when it was taken).</summary>
    public IReadOnlyList<SnapshotDisk> Disks { get; init; } = [];

    /// <summary>
    /// Read-only disks (not CD-ROMs) the VM had when the snapshot was taken, by path. They are not part of it (they
    /// cannot change); a memory snapshot's RAM image knows them, so it is not reverted while the VM has one more.
    /// Null for a snapshot taken before Vireo recorded them.
    /// </summary>
    public IReadOnlyList<string>? ReadOnlyDisks { get; init; }

    /// <summary>Bytes of RAM and device state saved (memory snapshots; from qemu-img, null when unknown).</summary>
    public long? VmStateSize { get; init; }
}

namespace Vireo.Persistence;

/// <summary>A stored snapshot of a VM. <see cref="DisksJson"/> and <see cref="ReadOnlyDisksJson"/> are not interpreted here.</summary>
public sealed record SnapshotRecord
{
    public required string VmUuid { get; init; }
    public required string Name { get; init; }
    /// <summary>The snapshot current when this one was taken (after reparenting: its nearest surviving ancestor).</summary>
    public string? Parent { get; init; }
    public required string Kind { get; init; }
    /// <summary>The VM's state when it was taken.</summary>
    public required string VmState { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Description { get; init; }
    public required string DisksJson { get; init; }
    /// <summary>The read-only disks attached when it was taken (JSON, not interpreted here); null for older snapshots.</summary>
    public string? ReadOnlyDisksJson { get; init; }
    public bool IsCurrent { get; init; }
    /// <summary>A memory snapshot's RAM and vCPUs (JSON, not interpreted here); null for disk-only and older snapshots.</summary>
    public string? MemoryLayoutJson { get; init; }
}

/// <summary>A snapshot with that name already exists for the VM.</summary>
public sealed class DuplicateSnapshotException(string name) : Exception($"a snapshot named \"{name}\" already exists")
{
    public string Name { get; } = name;
}

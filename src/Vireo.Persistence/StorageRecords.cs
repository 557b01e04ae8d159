namespace Vireo.Persistence;

/// <summary>A stored directory pool. <see cref="CreatedDirectory"/>: Vireo made the directory (and may remove it when empty).</summary>
public sealed record PoolRecord(string Name, string Path, bool CreatedDirectory, DateTimeOffset CreatedAt);

/// <summary>
/// A volume Vireo created in a pool: its file is POOL_PATH/NAME, its format as recorded at creation.
/// <see cref="Base"/>: a read-only base (made by a linked clone); no VM writes it.
/// </summary>
public sealed record VolumeRecord(string Pool, string Name, string Format, string? BackingPool, string? BackingName,
    string? Preallocation, DateTimeOffset CreatedAt, bool Base = false);

/// <summary>An entry of the storage journal: a multi-file change begun but not yet recorded (see <see cref="VireoStore.CommitStorageChange"/>).</summary>
public sealed record StorageJournalRecord(string Id, string Kind, string BodyJson, DateTimeOffset CreatedAt);

/// <summary>A VM's definition to replace, by UUID.</summary>
public sealed record VmSpecUpdate(string Uuid, string SpecJson);

/// <summary>
/// What a journalled storage change records when its files are in place, in one transaction: new volumes (in
/// order: a backing volume before its overlays), changed volumes (matched by pool and name), changed VM
/// definitions, a new VM, and the journal entry deleted.
/// </summary>
public sealed record StorageCommit
{
    public required string JournalId { get; init; }
    public IReadOnlyList<VolumeRecord> InsertVolumes { get; init; } = [];
    public IReadOnlyList<VolumeRecord> UpdateVolumes { get; init; } = [];
    public IReadOnlyList<VmSpecUpdate> UpdateVms { get; init; } = [];
    public VmRecord? InsertVm { get; init; }
}

namespace Vireo.Persistence;

/// <summary>A stored directory pool. <see cref="CreatedDirectory"/>: Vireo made the directory (and may remove it when empty).</summary>
public sealed record PoolRecord(string Name, string Path, bool CreatedDirectory, DateTimeOffset CreatedAt);

/// <summary>A volume Vireo created in a pool: its file is POOL_PATH/NAME, its format as recorded at creation.</summary>
public sealed record VolumeRecord(string Pool, string Name, string Format, string? BackingPool, string? BackingName,
    string? Preallocation, DateTimeOffset CreatedAt);

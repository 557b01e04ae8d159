using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>The definition of a directory storage pool (the body of <c>POST /v1/pools</c>).</summary>
public sealed record PoolSpec
{
    /// <summary>Unique name, same rule as VM names. Example: <c>fast</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Absolute path of the directory holding the pool's volumes; created when missing. Example: <c>/srv/vireo/fast</c>.</summary>
    public required string Path { get; init; }
}

/// <summary>A pool as <c>vireo pool info</c> shows it. Space figures are those of the file system holding the directory.</summary>
public sealed record PoolInfo
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }
    /// <summary>Pool type; always <c>dir</c> for now.</summary>
    public string Type { get; init; } = "dir";
    /// <summary>The directory.</summary>
    public required string Path { get; init; }
    /// <summary>False when the directory is missing or unreadable; <see cref="Reason"/> says why.</summary>
    public bool Available { get; init; } = true;
    /// <summary>Why the pool cannot be used now.</summary>
    public string? Reason { get; init; }
    /// <summary>Size of the file system, in bytes (statvfs).</summary>
    public long? CapacityBytes { get; init; }
    /// <summary>Bytes in use on the file system (capacity minus free).</summary>
    public long? AllocationBytes { get; init; }
    /// <summary>Bytes still available for new data.</summary>
    public long? AvailableBytes { get; init; }
    /// <summary>Volumes Vireo manages in the pool.</summary>
    public int Volumes { get; init; }
    /// <summary>Files in the directory that are not Vireo volumes; Vireo never touches them.</summary>
    public IReadOnlyList<string> Unmanaged { get; init; } = [];
    /// <summary>True when Vireo created the directory (it removes it with the pool when it is empty).</summary>
    public bool CreatedDirectory { get; init; }
    /// <summary>When the pool was defined.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Body of <c>POST /v1/pools/{pool}/volumes</c>: a new empty volume, or a qcow2 overlay on a backing volume.</summary>
public sealed record VolumeCreateRequest
{
    /// <summary>Name inside the pool: 1-128 of letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, starting with a letter or digit. Example: <c>web1-root.qcow2</c>.</summary>
    public required string Name { get; init; }
    /// <summary>Virtual size with a binary unit, e.g. <c>20G</c> or <c>512MiB</c>. Optional with a backing volume (its size is taken).</summary>
    public string? Size { get; init; }
    /// <summary><c>qcow2</c> (default) or <c>raw</c>.</summary>
    public string? Format { get; init; }
    /// <summary><c>off</c> (default), <c>metadata</c> (qcow2 only), <c>falloc</c> or <c>full</c>.</summary>
    public string? Preallocation { get; init; }
    /// <summary>A backing volume <c>POOL/NAME</c>: the new volume is a qcow2 overlay on it (a linked copy).</summary>
    public string? Backing { get; init; }
}

/// <summary>Body of <c>POST /v1/pools/{pool}/volumes/{name}/resize</c>.</summary>
public sealed record VolumeResizeRequest
{
    /// <summary>New virtual size (<c>40G</c>) or a growth (<c>+10G</c>).</summary>
    public required string Size { get; init; }
    /// <summary>Allow a smaller size: the data past the new end is lost.</summary>
    public bool AllowShrink { get; init; }
}

/// <summary>Body of <c>POST .../volumes/{name}/clone</c> and <c>.../convert</c>: a new volume copied from this one.</summary>
public sealed record VolumeCopyRequest
{
    /// <summary>The new volume, <c>POOL/NAME</c> (any pool).</summary>
    public required string Destination { get; init; }
    /// <summary>Format of the copy; for a clone, null keeps the source's format. Required for a convert.</summary>
    public string? Format { get; init; }
    /// <summary>Read at most this many bytes per second, with a binary unit (<c>50M</c>); null for no limit.</summary>
    public string? RateLimit { get; init; }
}

/// <summary>Body of <c>POST /v1/pools/{pool}/volumes/{name}/import</c>: copies an image file into the pool as volume {name}.</summary>
public sealed record VolumeImportRequest
{
    /// <summary>Absolute path of the image to copy; it is left as it is.</summary>
    public required string From { get; init; }
    /// <summary>The source's format, <c>raw</c> or <c>qcow2</c>: required, because Vireo never guesses a format.</summary>
    public required string SourceFormat { get; init; }
    /// <summary>Format of the new volume; default: the source format.</summary>
    public string? Format { get; init; }
    /// <summary>Read at most this many bytes per second (<c>50M</c>); null for no limit.</summary>
    public string? RateLimit { get; init; }
}

/// <summary>One image of a backing chain.</summary>
public sealed record BackingLink
{
    /// <summary><c>POOL/NAME</c>.</summary>
    public required string Volume { get; init; }
    /// <summary>Its recorded format.</summary>
    public required string Format { get; init; }
    /// <summary>Its file.</summary>
    public required string Path { get; init; }
}

/// <summary>A volume as <c>vireo vol info</c> shows it.</summary>
public sealed record VolumeInfo
{
    /// <summary>Pool.</summary>
    public required string Pool { get; init; }
    /// <summary>Name in the pool.</summary>
    public required string Name { get; init; }
    /// <summary><c>POOL/NAME</c>, the name every command and VM spec uses.</summary>
    public required string Volume { get; init; }
    /// <summary>The image file.</summary>
    public required string Path { get; init; }
    /// <summary>The format Vireo recorded when it created the volume (never probed): <c>raw</c> or <c>qcow2</c>.</summary>
    public required string Format { get; init; }
    /// <summary>Size the guest sees, in bytes.</summary>
    public long? VirtualSizeBytes { get; init; }
    /// <summary>Bytes allocated on the host (less than the virtual size for a sparse image).</summary>
    public long? ActualSizeBytes { get; init; }
    /// <summary>Preallocation it was created with.</summary>
    public string? Preallocation { get; init; }
    /// <summary>Backing volume (<c>POOL/NAME</c>) of a qcow2 overlay.</summary>
    public string? Backing { get; init; }
    /// <summary>The whole backing chain, nearest first.</summary>
    public IReadOnlyList<BackingLink> BackingChain { get; init; } = [];
    /// <summary>VMs whose spec has this volume as a disk.</summary>
    public IReadOnlyList<string> UsedBy { get; init; } = [];
    /// <summary>Volumes that have this one as their backing volume.</summary>
    public IReadOnlyList<string> Dependants { get; init; } = [];
    /// <summary>
    /// A read-only base: made by a linked clone from its source's volume, it holds the data both VMs started from.
    /// No VM writes it; it cannot be deleted while anything is layered on it.
    /// </summary>
    public bool Base { get; init; }
    /// <summary>VMs whose disks are overlays on this volume, directly or further up the backing chain (its users as a base).</summary>
    public IReadOnlyList<string> LayeredUsers { get; init; } = [];
    /// <summary>qcow2 cluster size in bytes.</summary>
    public long? ClusterSize { get; init; }
    /// <summary>qcow2: QEMU found corruption in the image.</summary>
    public bool? Corrupt { get; init; }
    /// <summary>When qemu-img could not read the image: why.</summary>
    public string? Problem { get; init; }
    /// <summary>When the volume was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Error codes of the storage API, beside <see cref="ErrorCodes"/>.</summary>
public static class StorageErrorCodes
{
    /// <summary>507: the pool's file system ran out of space; nothing was left behind.</summary>
    public const string NoSpace = "no_space";
}

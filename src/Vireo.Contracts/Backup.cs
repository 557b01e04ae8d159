using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>Whether a backup holds every block of the disks or only those changed since its parent.</summary>
public enum BackupType
{
    /// <summary>Every block: restorable on its own; starts a chain.</summary>
    [JsonStringEnumMemberName("full")] Full,
    /// <summary>Only the blocks written since the previous backup of the chain (its parent); its files are qcow2 overlays on the parent's.</summary>
    [JsonStringEnumMemberName("incremental")] Incremental,
}

/// <summary>The body of <c>POST /v1/vms/{name}/backups</c>.</summary>
public sealed record BackupRequest
{
    /// <summary>Absolute path of the backup directory; backups go to <c>DIR/VM/ID/</c>. Created if missing.</summary>
    public required string Target { get; init; }

    /// <summary>Copy only what changed since the VM's latest backup in <see cref="Target"/> (which must be the VM's latest backup anywhere).</summary>
    public bool Incremental { get; init; }

    /// <summary>Bandwidth limit in MiB/s for a running VM's backup (spares the host's disks); null for none.</summary>
    public long? BandwidthMibPerSecond { get; init; }
}

/// <summary>One backup: the content of its <c>manifest.json</c>, plus where it is.</summary>
public sealed record BackupInfo
{
    /// <summary>Manifest format version (1).</summary>
    public int Version { get; init; } = 1;
    /// <summary>The backup's id: its UTC start time, <c>yyyyMMddTHHmmssfffZ</c>; also its directory name.</summary>
    public required string Id { get; init; }
    /// <summary>Name of the VM at backup time.</summary>
    public required string Vm { get; init; }
    /// <summary>UUID of the VM.</summary>
    public required string VmUuid { get; init; }
    /// <summary>Full or incremental.</summary>
    public required BackupType Type { get; init; }
    /// <summary>The backup this one builds on (incremental only).</summary>
    public string? Parent { get; init; }
    /// <summary>Id of the full backup the chain starts with (its own id for a full backup).</summary>
    public required string Chain { get; init; }
    /// <summary>True when taken from a running VM (QEMU block jobs), false when taken from a stopped VM's image files.</summary>
    public bool Live { get; init; }
    /// <summary>The instant the disks were captured.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Seconds from start to the backup being complete.</summary>
    public double DurationSeconds { get; init; }
    /// <summary>The VM's spec at backup time.</summary>
    public VmSpec? Spec { get; init; }
    /// <summary>The disks backed up.</summary>
    public IReadOnlyList<BackupDisk> Disks { get; init; } = [];
    /// <summary>Read-only disks and CD-ROMs, which are not backed up (their paths).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
    /// <summary>Bytes the backup's files take on the host (filled when listed).</summary>
    public long AllocatedBytes { get; init; }
    /// <summary>The backup's directory (filled when listed; not stored).</summary>
    public string? Path { get; init; }
}

/// <summary>One disk in a backup.</summary>
public sealed record BackupDisk
{
    /// <summary>Index of the disk in the VM spec's <c>disks</c>.</summary>
    public int Index { get; init; }
    /// <summary>QEMU node name of the disk at backup time.</summary>
    public required string Node { get; init; }
    /// <summary>The disk's image file.</summary>
    public required string Source { get; init; }
    /// <summary>The disk's format: <c>qcow2</c> or <c>raw</c>.</summary>
    public required string Format { get; init; }
    /// <summary>Size the guest sees, in bytes.</summary>
    public long VirtualSize { get; init; }
    /// <summary>The backup file (qcow2), relative to the backup's directory.</summary>
    public required string File { get; init; }
    /// <summary>The parent backup's file this one is an overlay on, relative to this backup's directory (incremental only).</summary>
    public string? Backing { get; init; }
    /// <summary>Guest bytes copied into this backup (for an incremental: the changed blocks).</summary>
    public long BytesCopied { get; init; }
    /// <summary>Bytes the file takes on the host.</summary>
    public long FileBytes { get; init; }
    /// <summary>Dirty bitmap left on the disk that the next incremental backup starts from; null for raw disks (full backups only).</summary>
    public string? Bitmap { get; init; }
}

/// <summary>The body of <c>POST /v1/backups/restore</c>.</summary>
public sealed record RestoreRequest
{
    /// <summary>Absolute path of the backup's directory (<c>DIR/VM/ID</c>).</summary>
    public required string Backup { get; init; }
    /// <summary>Replace this stopped VM's disks with the backup's state. Give this or <see cref="To"/>.</summary>
    public string? Vm { get; init; }
    /// <summary>Restore into a VM other than the one backed up, or whose disks changed since (other paths or sizes).</summary>
    public bool Force { get; init; }
    /// <summary>Write one disk's state to this new image file instead (absolute; must not exist).</summary>
    public string? To { get; init; }
    /// <summary>Which disk (its index in the spec) for <see cref="To"/>; optional when the backup has one disk.</summary>
    public int? Disk { get; init; }
    /// <summary>Format of the file for <see cref="To"/>: <c>qcow2</c> (default) or <c>raw</c>.</summary>
    public string? Format { get; init; }
}

/// <summary>What a restore did.</summary>
public sealed record RestoreResult
{
    /// <summary>The backup restored.</summary>
    public required string Backup { get; init; }
    /// <summary>The VM whose disks were replaced, if any.</summary>
    public string? Vm { get; init; }
    /// <summary>Each disk written.</summary>
    public IReadOnlyList<RestoredDisk> Disks { get; init; } = [];
    /// <summary>Seconds the restore took, verification included.</summary>
    public double DurationSeconds { get; init; }
}

/// <summary>One restored disk and its verification.</summary>
public sealed record RestoredDisk
{
    /// <summary>Index of the disk in the VM spec.</summary>
    public int Index { get; init; }
    /// <summary>The image file written.</summary>
    public required string Path { get; init; }
    /// <summary>Its format.</summary>
    public required string Format { get; init; }
    /// <summary>True when <c>qemu-img compare</c> found it identical to the backup chain (checked before it replaced anything).</summary>
    public bool Verified { get; init; }
    /// <summary>qemu-img compare's words.</summary>
    public string? Detail { get; init; }
}

/// <summary>One line of a streamed long operation (<c>Accept: application/x-ndjson</c>): progress, then the result or the error.</summary>
/// <typeparam name="T">The result type.</typeparam>
public sealed record OperationLine<T>
{
    /// <summary>Fraction done, 0..1.</summary>
    public double? Progress { get; init; }
    /// <summary>The result (last line on success).</summary>
    public T? Result { get; init; }
    /// <summary>The error (last line on failure).</summary>
    public ApiError? Error { get; init; }
}

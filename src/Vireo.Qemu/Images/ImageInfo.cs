using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>What <c>qemu-img info</c> reports about an image.</summary>
/// <param name="Filename">The image path as qemu-img saw it.</param>
/// <param name="Format">The format qemu-img used (always the one passed with -f).</param>
/// <param name="VirtualSize">Size the guest sees, in bytes.</param>
/// <param name="ActualSize">Bytes allocated on the host (sparse files use less than their length); null if unknown.</param>
public sealed record ImageInfo(string Filename, string Format, long VirtualSize, long? ActualSize)
{
    /// <summary>qcow2 cluster size in bytes.</summary>
    public long? ClusterSize { get; init; }

    /// <summary>Backing file as recorded in the image header.</summary>
    public string? BackingFilename { get; init; }

    /// <summary>Backing file resolved to an absolute path by qemu-img.</summary>
    public string? FullBackingFilename { get; init; }

    /// <summary>Backing file format recorded in the header (null for an old image that lets QEMU probe it).</summary>
    public string? BackingFormat { get; init; }

    /// <summary>qcow2 "dirty" flag (lazy refcounts left unflushed by a crash).</summary>
    public bool? Dirty { get; init; }

    /// <summary>qcow2 "corrupt" flag: QEMU found corruption and refuses writes until repaired.</summary>
    public bool? Corrupt { get; init; }

    /// <summary>qcow2 compatibility level, for example <c>1.1</c>.</summary>
    public string? Compat { get; init; }

    /// <summary>qcow2 external data file named in the header (the guest data lives in that other file), or null.</summary>
    public string? DataFile { get; init; }
}

/// <summary>A backing file for a new copy-on-write image.</summary>
/// <param name="Path">Path of the backing image (stored in the overlay's header as given).</param>
/// <param name="Format">Its format, recorded in the header so QEMU never probes it.</param>
public sealed record BackingFile(string Path, DiskFormat Format);

/// <summary>What <c>qemu-img check</c> reports.</summary>
/// <param name="Supported">False when the format has no consistency checks (raw).</param>
/// <param name="Corruptions">Corrupted metadata entries: data may be lost.</param>
/// <param name="Leaks">Leaked clusters: wasted space only.</param>
/// <param name="CheckErrors">Errors that stopped parts of the check (I/O errors).</param>
public sealed record ImageCheckResult(bool Supported, int Corruptions, int Leaks, int CheckErrors)
{
    /// <summary>No corruption, no leak, no error (trivially true for an unsupported format).</summary>
    public bool IsClean => Corruptions == 0 && Leaks == 0 && CheckErrors == 0;
}

/// <summary>qemu-img failed; <see cref="Exception.Message"/> carries its stderr.</summary>
public sealed class QemuImgException(string message, int? exitCode, string standardError, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>qemu-img's exit code; null when it could not be run.</summary>
    public int? ExitCode { get; } = exitCode;

    /// <summary>Everything qemu-img wrote to stderr.</summary>
    public string StandardError { get; } = standardError;
}

namespace Vireo.Qemu;

/// <summary>How much of a new image is allocated up front (qemu-img <c>-o preallocation=</c>).</summary>
public enum Preallocation
{
    /// <summary>Nothing: the file is sparse and grows as the guest writes (the default).</summary>
    Off,

    /// <summary>qcow2 only: the metadata (L1/L2 tables, refcounts) is written; data clusters are not.</summary>
    Metadata,

    /// <summary>The file's blocks are reserved with fallocate(2): fast, and the space is guaranteed.</summary>
    Falloc,

    /// <summary>Every byte is written: slow, but the space is really allocated, also on file systems without fallocate.</summary>
    Full,
}

/// <summary>Options of <see cref="QemuImg.ConvertAsync(string, Model.DiskFormat, string, Model.DiskFormat, ConvertOptions, IProgress{double}?, CancellationToken)"/>.</summary>
public sealed record ConvertOptions
{
    /// <summary>Bytes per second qemu-img may read at most (<c>-r</c>); null for no limit.</summary>
    public long? RateLimitBytesPerSecond { get; init; }
}

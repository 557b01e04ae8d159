using System.Text.Json.Nodes;

namespace Vireo.Qemu.Model;

/// <summary>Disk image format. Always explicit: QEMU is never allowed to probe it.</summary>
public enum DiskFormat
{
    /// <summary>Plain bytes.</summary>
    Raw,

    /// <summary>QEMU copy-on-write v2.</summary>
    Qcow2,
}

/// <summary>Host page-cache policy of a disk, with the meanings libvirt's cache modes have.</summary>
public enum DiskCacheMode
{
    /// <summary>Use the host page cache; flushes reach the disk (QEMU's default).</summary>
    Writeback,

    /// <summary>
    /// O_DIRECT: bypass the host page cache. What production VMs use, but the file system must support it
    /// (tmpfs does not, and QEMU then fails to open the image).
    /// </summary>
    None,

    /// <summary>Host page cache and guest flushes ignored: fast, loses data on a host crash. For scratch VMs.</summary>
    Unsafe,

    /// <summary>Host page cache, but every write reaches the disk before it completes (the guest sees no write cache).</summary>
    Writethrough,

    /// <summary>O_DIRECT and every write synchronous: the safest and slowest mode.</summary>
    Directsync,
}

/// <summary>How QEMU submits a disk's I/O to the host kernel.</summary>
public enum DiskAioMode
{
    /// <summary>A pool of worker threads doing blocking I/O: works everywhere (QEMU's default).</summary>
    Threads,

    /// <summary>Linux native AIO; QEMU requires O_DIRECT (cache none or directsync) for it.</summary>
    Native,

    /// <summary>io_uring: needs a QEMU built with liburing and a kernel that allows io_uring.</summary>
    IoUring,
}

/// <summary>
/// One image file as a two-layer block graph: a <c>file</c> protocol node named <c>NodeName-file</c> and a
/// format node named <see cref="NodeName"/> on top of it, which is what devices refer to in <c>drive</c>.
/// </summary>
/// <param name="NodeName">Node name of the format node (letters, digits, '-', '.', '_'; at most 26 characters
/// because QEMU limits node names to 31 and the protocol node adds "-file").</param>
/// <param name="Path">Absolute path of the image file.</param>
/// <param name="Format">Image format, passed explicitly.</param>
public sealed record BlockNode(string NodeName, string Path, DiskFormat Format)
{
    /// <summary>Open read-only (CD-ROMs, shared images).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Host cache policy.</summary>
    public DiskCacheMode Cache { get; init; } = DiskCacheMode.Writeback;

    /// <summary>Pass guest TRIM/UNMAP down to the image so freed blocks are freed on the host (sparse files stay sparse).</summary>
    public bool DiscardUnmap { get; init; } = true;

    /// <summary>I/O submission on the protocol node.</summary>
    public DiskAioMode Aio { get; init; } = DiskAioMode.Threads;

    /// <summary>
    /// Whether the guest sees a volatile write cache (flushes needed): off for <see cref="DiskCacheMode.Writethrough"/>
    /// and <see cref="DiskCacheMode.Directsync"/>, which QEMU expresses on the device (<c>write-cache=off</c>), not the node.
    /// </summary>
    public bool GuestWriteCache => Cache is not (DiskCacheMode.Writethrough or DiskCacheMode.Directsync);

    /// <summary>Node name of the protocol (file) layer.</summary>
    public string ProtocolNodeName => NodeName + "-file";

    /// <summary>The protocol node: <c>-blockdev</c> argument and QMP <c>blockdev-add</c> argument.</summary>
    public JsonObject ToProtocolJson()
    {
        var o = WithCommonOptions(new JsonObject
        {
            ["driver"] = "file",
            ["filename"] = Path,
            ["node-name"] = ProtocolNodeName,
        });
        // Only the file driver takes aio; "threads" is its default and stays implicit.
        if (Aio != DiskAioMode.Threads)
            o["aio"] = Aio == DiskAioMode.Native ? "native" : "io_uring";
        return o;
    }

    /// <summary>
    /// The format node on top of <see cref="ToProtocolJson"/>; add it after the protocol node. The driver is
    /// always explicit, so a raw image whose first bytes look like a qcow2 header stays raw.
    /// </summary>
    public JsonObject ToFormatJson()
    {
        var o = WithCommonOptions(new JsonObject
        {
            ["driver"] = FormatName(Format),
            ["node-name"] = NodeName,
            ["file"] = ProtocolNodeName,
        });
        if (Format == DiskFormat.Qcow2 && !ReadOnly)
            o["pass-discard-snapshot"] = false;
        return o;
    }

    /// <summary>QEMU's name of a format: <c>raw</c> or <c>qcow2</c>.</summary>
    public static string FormatName(DiskFormat format) => format switch
    {
        DiskFormat.Raw => "raw",
        DiskFormat.Qcow2 => "qcow2",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    private JsonObject WithCommonOptions(JsonObject o)
    {
        o["read-only"] = ReadOnly;
        // discard=unmap is meaningless on a read-only node; QEMU would only ignore it.
        if (DiscardUnmap && !ReadOnly) o["discard"] = "unmap";
        o["cache"] = new JsonObject
        {
            ["direct"] = Cache is DiskCacheMode.None or DiskCacheMode.Directsync,
            ["no-flush"] = Cache == DiskCacheMode.Unsafe,
        };
        return o;
    }
}

using System.Text.Json.Nodes;

namespace Vireo.Qemu.Model;

/// <summary>Image formats. Always given explicitly: QEMU must never probe a format (a guest could write a qcow2
/// header into a raw disk and gain access to host files through a backing file).</summary>
public enum ImageFormat
{
    /// <summary>Raw bytes.</summary>
    Raw,
    /// <summary>QEMU copy-on-write v2.</summary>
    Qcow2,
}

/// <summary>
/// An image as QEMU's block layer sees it: a <c>file</c> protocol node holding the host file and a format node on
/// top. Devices refer to the format node by <see cref="NodeName"/>; the same JSON serves -blockdev and blockdev-add.
/// </summary>
public sealed record BlockNode
{
    /// <summary>Node name of the format node (the protocol node is <c>NodeName-file</c>).</summary>
    public required string NodeName { get; init; }
    /// <summary>Host file.</summary>
    public required string Filename { get; init; }
    /// <summary>Image format; never probed.</summary>
    public required ImageFormat Format { get; init; }
    /// <summary>Open read-only.</summary>
    public bool ReadOnly { get; init; }
    /// <summary>Bypass the host page cache (O_DIRECT; not supported on tmpfs).</summary>
    public bool CacheDirect { get; init; }
    /// <summary>Pass guest discard/TRIM down to the file (sparse images stay sparse).</summary>
    public bool Discard { get; init; } = true;

    /// <summary>Node name of the protocol node.</summary>
    public string FileNodeName => $"{NodeName}-file";

    /// <summary>The protocol node's properties.</summary>
    public JsonObject ProtocolJson() => new()
    {
        ["driver"] = "file",
        ["filename"] = Filename,
        ["node-name"] = FileNodeName,
        ["auto-read-only"] = true,
        ["discard"] = Discard ? "unmap" : "ignore",
        ["cache"] = new JsonObject { ["direct"] = CacheDirect, ["no-flush"] = false },
    };

    /// <summary>The format node's properties.</summary>
    public JsonObject FormatJson() => new()
    {
        ["driver"] = Format == ImageFormat.Qcow2 ? "qcow2" : "raw",
        ["node-name"] = NodeName,
        ["file"] = FileNodeName,
        ["read-only"] = ReadOnly,
        ["discard"] = Discard ? "unmap" : "ignore",
    };
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>A block device as reported by <c>query-block</c> (QAPI <c>BlockInfo</c>).</summary>
/// <param name="Device">The legacy drive name; empty for devices backed by <c>-blockdev</c>.</param>
/// <param name="Removable">True for removable media (e.g. a CD-ROM).</param>
/// <param name="Locked">True if the guest locked the media in.</param>
/// <param name="Qdev">The device id, or its QOM path when it has no id.</param>
/// <param name="TrayOpen">Whether the tray is open, for devices with a tray.</param>
/// <param name="IoStatus">I/O status (<c>ok</c>, <c>failed</c>, <c>nospace</c>) when the device reports it.</param>
/// <param name="Inserted">The medium, or <c>null</c> for an empty drive.</param>
public sealed record BlockInfo(
    string Device,
    bool Removable,
    bool Locked,
    string? Qdev = null,
    [property: JsonPropertyName("tray_open")] bool? TrayOpen = null,
    string? IoStatus = null,
    BlockDeviceInfo? Inserted = null);

/// <summary>The medium inserted in a block device (the parts of QAPI <c>BlockDeviceInfo</c> a manager needs).</summary>
/// <param name="File">The image file name (or a <c>json:</c> pseudo-filename).</param>
/// <param name="Ro">True if read-only.</param>
/// <param name="Drv">The top node's driver, e.g. <c>qcow2</c>.</param>
/// <param name="NodeName">The top node's name.</param>
/// <param name="BackingFile">The backing file name, if any.</param>
/// <param name="BackingFileDepth">Length of the backing chain.</param>
/// <param name="Encrypted">True if the image is encrypted.</param>
/// <param name="Image">The top image as QEMU sees it (its size as the guest sees it).</param>
public sealed record BlockDeviceInfo(
    string File,
    bool Ro,
    string Drv,
    string? NodeName = null,
    [property: JsonPropertyName("backing_file")] string? BackingFile = null,
    [property: JsonPropertyName("backing_file_depth")] int BackingFileDepth = 0,
    bool Encrypted = false,
    BlockImageInfo? Image = null);

/// <summary>The parts of QAPI <c>ImageInfo</c> a manager needs.</summary>
/// <param name="VirtualSize">The size the guest sees, in bytes.</param>
public sealed record BlockImageInfo(long VirtualSize);

/// <summary><c>query-block</c>: the block devices and their media.</summary>
public sealed record QueryBlockCommand() : QmpCommand<IReadOnlyList<BlockInfo>>("query-block")
{
    /// <inheritdoc />
    public override IReadOnlyList<BlockInfo> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListBlockInfo);
}

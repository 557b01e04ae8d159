using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>
/// <c>blockdev-change-medium</c>: opens an image and puts it into a removable drive (a CD-ROM), opening and closing
/// the tray as a person would. The format is always given: QEMU must never probe an image's format.
/// </summary>
/// <param name="Id">The drive's device id.</param>
/// <param name="Filename">Absolute path of the image.</param>
/// <param name="Format">Its format driver, e.g. <c>raw</c>.</param>
public sealed record BlockdevChangeMediumCommand(string Id, string Filename, string Format) : QmpEmptyCommand("blockdev-change-medium")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new()
    {
        ["id"] = Id,
        ["filename"] = Filename,
        ["format"] = Format,
        ["read-only-mode"] = "read-only",
    };
}

/// <summary>
/// <c>eject</c>: removes the medium from a removable drive. With <see cref="Force"/> the guest's tray lock is
/// overridden (a guest that locked the tray would otherwise only be asked to open it).
/// </summary>
/// <param name="Id">The drive's device id.</param>
public sealed record EjectCommand(string Id) : QmpEmptyCommand("eject")
{
    /// <summary>Eject even if the guest locked the tray.</summary>
    public bool Force { get; init; } = true;

    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["id"] = Id, ["force"] = Force };
}

/// <summary>
/// <c>block_resize</c>: sets the size of a block node while the guest runs (the guest sees a capacity change, as
/// after <c>virsh blockresize</c>). Growing is safe; QEMU also shrinks, which a manager must refuse for a running
/// guest. The size must be a multiple of 512.
/// </summary>
/// <param name="NodeName">The node to resize: the top node of the disk (<c>query-block</c>'s inserted node name).</param>
/// <param name="Size">The new size in bytes.</param>
public sealed record BlockResizeCommand(string NodeName, long Size) : QmpEmptyCommand("block_resize")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["node-name"] = NodeName, ["size"] = Size };
}

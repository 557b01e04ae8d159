using System.Text.Json.Nodes;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu.Model.Devices;

/// <summary>
/// A disk on the machine's built-in SATA (q35: ICH9 AHCI, buses <c>ide.0</c>..<c>ide.5</c>) or IDE controller
/// (pc: PIIX, buses <c>ide.0</c>/<c>ide.1</c>, units 0/1). Use <see cref="SataSlot.For"/> for the address.
/// </summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Node name of the format <see cref="BlockNode"/>.</param>
/// <param name="Slot">Bus and unit.</param>
public sealed record IdeHd(string Id, string Drive, SataSlot Slot) : IBootableDevice
{
    /// <summary>Serial number the guest sees (at most 20 characters).</summary>
    public string? Serial { get; init; }

    /// <summary>False makes the guest see a write-through disk (cache modes writethrough and directsync); null keeps QEMU's default.</summary>
    public bool? WriteCache { get; init; }

    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <inheritdoc/>
    public string Driver => "ide-hd";

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Disk;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public JsonObject ToJson() => Slot.Put(Json.Device(Driver, Id))
        .PutIfNotNull("drive", Drive)
        .PutIfNotNull("serial", Serial)
        .PutIfNotNull("write-cache", WriteCache is { } wc ? (wc ? "on" : "off") : null)
        .PutErrorPolicy()
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>A CD-ROM drive on the built-in SATA/IDE controller; null <paramref name="Drive"/> is an empty tray.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Node name of the (read-only) format <see cref="BlockNode"/>, or null for an empty drive.</param>
/// <param name="Slot">Bus and unit.</param>
public sealed record IdeCd(string Id, string? Drive, SataSlot Slot) : IBootableDevice
{
    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <inheritdoc/>
    public string Driver => "ide-cd";

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Cdrom;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public JsonObject ToJson() => Slot.Put(Json.Device(Driver, Id))
        .PutIfNotNull("drive", Drive)
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>Address of a drive on the machine's built-in SATA/IDE controller.</summary>
/// <param name="Bus">Bus name, for example <c>ide.2</c>.</param>
/// <param name="Unit">Unit on the bus: null on AHCI (one device per port), 0 or 1 on PIIX IDE.</param>
public sealed record SataSlot(string Bus, int? Unit)
{
    /// <summary>Number of built-in slots: 6 AHCI ports on q35, 2 buses x 2 units on pc.</summary>
    public static int Count(string machineType) => IsQ35(machineType) ? 6 : 4;

    /// <summary>
    /// The slot of the <paramref name="index"/>-th SATA/IDE drive (0-based) on <paramref name="machineType"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The machine has no such slot.</exception>
    public static SataSlot For(string machineType, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count(machineType));
        // q35's ICH9 AHCI controller exposes one bus per port, each taking a single device.
        return IsQ35(machineType) ? new SataSlot($"ide.{index}", null) : new SataSlot($"ide.{index / 2}", index % 2);
    }

    private static bool IsQ35(string machineType) =>
        machineType == "q35" || machineType.StartsWith("pc-q35-", StringComparison.Ordinal);

    internal JsonObject Put(JsonObject o) => o.PutIfNotNull("bus", Bus).PutIfNotNull("unit", Unit);
}

using System.Text.Json.Nodes;

namespace Vireo.Qemu.Model;

/// <summary>
/// A guest device. <see cref="ToJson"/> gives the <c>-device</c> properties, and the very same object is the
/// argument of QMP <c>device_add</c> for hot-plug, so the command line and hot-plug cannot drift apart.
/// </summary>
public interface IQemuDevice
{
    /// <summary>QEMU device id (letters, digits, '-', '.', '_', starting with a letter); unique in the VM.</summary>
    string Id { get; }

    /// <summary>QEMU driver name, for example <c>virtio-blk-pci</c>.</summary>
    string Driver { get; }

    /// <summary>The device's properties as QEMU JSON, <c>driver</c> and <c>id</c> included.</summary>
    JsonObject ToJson();
}

/// <summary>A device the firmware can boot from.</summary>
public interface IBootableDevice : IQemuDevice
{
    /// <summary>Which <see cref="BootDevice"/> kind this device counts as.</summary>
    BootDevice BootKind { get; }

    /// <summary>Firmware boot priority (lower first); null means not bootable.</summary>
    int? BootIndex { get; }

    /// <summary>A copy of this device with the given boot index.</summary>
    IBootableDevice WithBootIndex(int index);
}

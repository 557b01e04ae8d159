using System.Text.Json.Nodes;

namespace Vireo.Qemu.Model;

/// <summary>
/// A guest device. <see cref="ToJson"/> gives its properties once, for both the -device command-line option and
/// QMP device_add, so that cold-plug and hot-plug cannot drift apart (as libvirt does).
/// </summary>
public interface IQemuDevice
{
    /// <summary>Unique device id (qdev id).</summary>
    string Id { get; }

    /// <summary>The device's properties: driver, id and the rest.</summary>
    JsonObject ToJson();
}

/// <summary>Shared helpers for device records.</summary>
internal static class DeviceJson
{
    public static JsonObject Base(string driver, string id) => new() { ["driver"] = driver, ["id"] = id };

    public static JsonObject With(this JsonObject json, string key, JsonNode? value)
    {
        if (value is not null)
            json[key] = value;
        return json;
    }
}

/// <summary>A virtio-blk disk (virtio-blk-pci).</summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Format node name.</param>
/// <param name="Serial">Serial the guest sees.</param>
/// <param name="BootIndex">Firmware boot order position.</param>
public sealed record VirtioBlkDevice(string Id, string Drive, string? Serial = null, int? BootIndex = null) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("virtio-blk-pci", Id)
        .With("drive", Drive).With("serial", Serial).With("bootindex", BootIndex);
}

/// <summary>A virtio-scsi controller (virtio-scsi-pci); its bus is <c>ID.0</c>.</summary>
/// <param name="Id">Device id.</param>
public sealed record VirtioScsiControllerDevice(string Id) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("virtio-scsi-pci", Id);
}

/// <summary>A SCSI disk or CD-ROM on a virtio-scsi controller.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Controller">Controller device id.</param>
/// <param name="Lun">Logical unit number.</param>
/// <param name="Drive">Format node name (null for an empty CD-ROM).</param>
/// <param name="Cdrom">scsi-cd instead of scsi-hd.</param>
/// <param name="Serial">Serial the guest sees.</param>
/// <param name="BootIndex">Firmware boot order position.</param>
public sealed record ScsiDevice(string Id, string Controller, int Lun, string? Drive, bool Cdrom = false, string? Serial = null, int? BootIndex = null) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base(Cdrom ? "scsi-cd" : "scsi-hd", Id)
        .With("bus", $"{Controller}.0").With("scsi-id", 0).With("lun", Lun)
        .With("drive", Drive).With("serial", Serial).With("bootindex", BootIndex);
}

/// <summary>A SATA disk or CD-ROM on the q35 machine's built-in AHCI controller (buses ide.0 … ide.5).</summary>
/// <param name="Id">Device id.</param>
/// <param name="Port">AHCI port 0-5.</param>
/// <param name="Drive">Format node name (null for an empty CD-ROM).</param>
/// <param name="Cdrom">ide-cd instead of ide-hd.</param>
/// <param name="Serial">Serial the guest sees.</param>
/// <param name="BootIndex">Firmware boot order position.</param>
public sealed record SataDevice(string Id, int Port, string? Drive, bool Cdrom = false, string? Serial = null, int? BootIndex = null) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base(Cdrom ? "ide-cd" : "ide-hd", Id)
        .With("bus", $"ide.{Port}").With("drive", Drive).With("serial", Serial).With("bootindex", BootIndex);
}

/// <summary>A network card.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Netdev">Backend id.</param>
/// <param name="Mac">MAC address.</param>
/// <param name="Model">QEMU driver: virtio-net-pci, e1000e or rtl8139.</param>
/// <param name="Queues">Queue pairs of the backend; virtio-net gets multiqueue when above 1.</param>
/// <param name="BootIndex">Firmware boot order position (PXE).</param>
public sealed record NicDevice(string Id, string Netdev, string Mac, string Model = "virtio-net-pci", int Queues = 1, int? BootIndex = null) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson()
    {
        var json = DeviceJson.Base(Model, Id).With("netdev", Netdev).With("mac", Mac).With("bootindex", BootIndex);
        if (Model == "virtio-net-pci" && Queues > 1)
        {
            // One vector per queue in each direction, plus config and control (QEMU's documented 2N+2).
            json["mq"] = true;
            json["vectors"] = 2 * Queues + 2;
        }
        // No option ROM unless the NIC boots: iPXE ROMs add firmware time and memory for nothing.
        if (BootIndex is null)
            json["romfile"] = "";
        return json;
    }
}

/// <summary>The 16550 UART the guest sees as ttyS0.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Chardev">Chardev id.</param>
public sealed record IsaSerialDevice(string Id, string Chardev) : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("isa-serial", Id).With("chardev", Chardev);
}

/// <summary>
/// The pvpanic ISA device: a guest kernel with the pvpanic driver reports panics to QEMU, which emits
/// GUEST_PANICKED instead of leaving a silently hung VM.
/// </summary>
/// <param name="Id">Device id.</param>
public sealed record PvpanicDevice(string Id = "pvpanic0") : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("pvpanic", Id);
}

/// <summary>Standard VGA, for the VNC console.</summary>
/// <param name="Id">Device id.</param>
public sealed record VgaDevice(string Id = "video0") : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("VGA", Id);
}

/// <summary>virtio-rng: feeds the guest entropy from the host, so early boot never stalls waiting for it.</summary>
/// <param name="Id">Device id.</param>
public sealed record VirtioRngDevice(string Id = "rng0") : IQemuDevice
{
    /// <inheritdoc />
    public JsonObject ToJson() => DeviceJson.Base("virtio-rng-pci", Id);
}

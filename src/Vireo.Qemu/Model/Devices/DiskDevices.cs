using System.Text.Json.Nodes;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu.Model.Devices;

/// <summary>A paravirtual disk on its own PCI function: the fastest and simplest disk for Linux guests.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Node name of the format <see cref="BlockNode"/> it exposes.</param>
public sealed record VirtioBlkPci(string Id, string Drive) : IBootableDevice
{
    /// <summary>Serial number the guest sees (at most 20 characters; /dev/disk/by-id uses it).</summary>
    public string? Serial { get; init; }

    /// <summary>False makes the guest see a write-through disk (cache modes writethrough and directsync); null keeps QEMU's default.</summary>
    public bool? WriteCache { get; init; }

    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <summary>PCI bus to plug into (for example a pcie-root-port id for hot-plug); null lets QEMU choose.</summary>
    public string? Bus { get; init; }

    /// <inheritdoc/>
    public string Driver => "virtio-blk-pci";

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Disk;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id)
        .PutIfNotNull("bus", Bus)
        .PutIfNotNull("drive", Drive)
        .PutIfNotNull("serial", Serial)
        .PutIfNotNull("write-cache", WriteCache is { } wc ? (wc ? "on" : "off") : null)
        .PutErrorPolicy()
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>A virtio SCSI controller; <see cref="ScsiHd"/> and <see cref="ScsiCd"/> attach to its bus <c>ID.0</c>.</summary>
/// <param name="Id">Device id; its bus is named <c>Id.0</c>.</param>
public sealed record VirtioScsiPci(string Id) : IQemuDevice
{
    /// <summary>PCI bus to plug into; null lets QEMU choose.</summary>
    public string? Bus { get; init; }

    /// <inheritdoc/>
    public string Driver => "virtio-scsi-pci";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id).PutIfNotNull("bus", Bus);
}

/// <summary>A disk on a <see cref="VirtioScsiPci"/> controller.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Node name of the format <see cref="BlockNode"/>.</param>
/// <param name="Controller">Id of the <see cref="VirtioScsiPci"/> controller.</param>
/// <param name="Lun">Logical unit number on target 0; unique per controller.</param>
public sealed record ScsiHd(string Id, string Drive, string Controller, int Lun) : IBootableDevice
{
    /// <summary>Serial number the guest sees.</summary>
    public string? Serial { get; init; }

    /// <summary>False makes the guest see a write-through disk (cache modes writethrough and directsync); null keeps QEMU's default.</summary>
    public bool? WriteCache { get; init; }

    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <inheritdoc/>
    public string Driver => "scsi-hd";

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Disk;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public JsonObject ToJson() => ScsiAddress.Put(Json.Device(Driver, Id), Controller, Lun)
        .PutIfNotNull("drive", Drive)
        .PutIfNotNull("serial", Serial)
        .PutIfNotNull("write-cache", WriteCache is { } wc ? (wc ? "on" : "off") : null)
        .PutErrorPolicy()
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>A CD-ROM drive on a <see cref="VirtioScsiPci"/> controller; null <paramref name="Drive"/> is an empty tray.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Drive">Node name of the (read-only) format <see cref="BlockNode"/>, or null for an empty drive.</param>
/// <param name="Controller">Id of the <see cref="VirtioScsiPci"/> controller.</param>
/// <param name="Lun">Logical unit number on target 0; unique per controller.</param>
public sealed record ScsiCd(string Id, string? Drive, string Controller, int Lun) : IBootableDevice
{
    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <inheritdoc/>
    public string Driver => "scsi-cd";

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Cdrom;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public JsonObject ToJson() => ScsiAddress.Put(Json.Device(Driver, Id), Controller, Lun)
        .PutIfNotNull("drive", Drive)
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>
/// werror=stop,rerror=stop: a failed write or read (ENOSPC on a full pool, EIO) pauses the VM with a BLOCK_IO_ERROR
/// event instead of handing the error to the guest, whose file system would go read-only or corrupt; the VM runs
/// on once space is back (vireod resumes it, or `cont`). QEMU's default stops only on ENOSPC and reports read errors;
/// Proxmox and oVirt set the same "stop" policy.
/// </summary>
internal static class DiskErrorPolicy
{
    public static JsonObject PutErrorPolicy(this JsonObject o)
    {
        o["werror"] = "stop";
        o["rerror"] = "stop";
        return o;
    }
}

internal static class ScsiAddress
{
    // libvirt's addressing: controller bus "ID.0", channel 0, target (scsi-id) 0, one LUN per disk.
    public static JsonObject Put(JsonObject o, string controller, int lun)
    {
        o["bus"] = controller + ".0";
        o["channel"] = 0;
        o["scsi-id"] = 0;
        o["lun"] = lun;
        return o;
    }
}

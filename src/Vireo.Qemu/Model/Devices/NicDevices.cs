using System.Text.Json.Nodes;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu.Model.Devices;

/// <summary>A network interface card bound to a netdev (backend) by id.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Netdev">Id of the <see cref="IQemuNetdev"/> backend.</param>
/// <param name="Mac">MAC address, <c>52:54:00:xx:xx:xx</c> style, unicast.</param>
public abstract record NicDevice(string Id, string Netdev, string Mac) : IBootableDevice
{
    /// <inheritdoc/>
    public abstract string Driver { get; }

    /// <inheritdoc/>
    public int? BootIndex { get; init; }

    /// <summary>PCI bus to plug into; null lets QEMU choose.</summary>
    public string? Bus { get; init; }

    /// <inheritdoc/>
    public BootDevice BootKind => BootDevice.Network;

    /// <inheritdoc/>
    public IBootableDevice WithBootIndex(int index) => this with { BootIndex = index };

    /// <inheritdoc/>
    public virtual JsonObject ToJson() => Json.Device(Driver, Id)
        .PutIfNotNull("bus", Bus)
        .PutIfNotNull("netdev", Netdev)
        .PutIfNotNull("mac", Mac)
        .PutIfNotNull("bootindex", BootIndex);
}

/// <summary>Paravirtual NIC; with <see cref="Queues"/> &gt; 1 the guest can spread traffic over several vCPUs.</summary>
public sealed record VirtioNetPci(string Id, string Netdev, string Mac) : NicDevice(Id, Netdev, Mac)
{
    /// <summary>
    /// Queue pairs; must equal the backend's queues (<see cref="TapNetdev.Queues"/>). The guest still has to
    /// enable them (<c>ethtool -L eth0 combined N</c>).
    /// </summary>
    public int Queues { get; init; } = 1;

    /// <inheritdoc/>
    public override string Driver => "virtio-net-pci";

    /// <inheritdoc/>
    public override JsonObject ToJson()
    {
        var o = base.ToJson();
        if (Queues > 1)
        {
            o["mq"] = true;
            // MSI-X vectors: one per RX and TX queue, plus one for config changes and one for the control
            // queue (the formula libvirt and QEMU's documentation use).
            o["vectors"] = 2 * Queues + 2;
        }
        return o;
    }
}

/// <summary>Emulated Intel 82574L; for guests without virtio drivers (Windows installer media).</summary>
public sealed record E1000e(string Id, string Netdev, string Mac) : NicDevice(Id, Netdev, Mac)
{
    /// <inheritdoc/>
    public override string Driver => "e1000e";
}

/// <summary>Emulated Realtek RTL8139; for very old guests.</summary>
public sealed record Rtl8139(string Id, string Netdev, string Mac) : NicDevice(Id, Netdev, Mac)
{
    /// <inheritdoc/>
    public override string Driver => "rtl8139";
}

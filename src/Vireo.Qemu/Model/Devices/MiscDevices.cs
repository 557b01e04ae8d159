using System.Text.Json.Nodes;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu.Model.Devices;

/// <summary>
/// The ISA pvpanic device: a guest kernel with pvpanic support reports panics through it, which QEMU turns into
/// a GUEST_PANICKED event and the configured <see cref="PanicAction"/>.
/// </summary>
public sealed record PvPanic(string Id = "pvpanic0") : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => "pvpanic";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id);
}

/// <summary>Emulated display adapter model.</summary>
public enum VideoModel
{
    /// <summary>Standard VGA with VBE: works with every firmware and guest, including text mode.</summary>
    Vga,

    /// <summary>Framebuffer-only display without legacy VGA; smaller, for UEFI or modern Linux guests.</summary>
    BochsDisplay,
}

/// <summary>The display adapter VNC shows.</summary>
public sealed record VideoDevice(string Id = "video0", VideoModel Model = VideoModel.Vga) : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => Model == VideoModel.Vga ? "VGA" : "bochs-display";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id);
}

/// <summary>A virtio-serial controller; <see cref="VirtSerialPort"/>s attach to its bus <c>ID.0</c>.</summary>
public sealed record VirtioSerialPci(string Id = "virtio-serial0") : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => "virtio-serial-pci";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id);
}

/// <summary>A named virtio-serial port backed by a chardev, for example the guest agent's <c>org.qemu.guest_agent.0</c>.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Controller">Id of the <see cref="VirtioSerialPci"/> controller.</param>
/// <param name="Chardev">Id of the backing chardev (see <see cref="UnixSocketChardev"/>).</param>
/// <param name="PortName">Name the guest sees under /dev/virtio-ports/.</param>
public sealed record VirtSerialPort(string Id, string Controller, string Chardev, string PortName) : IQemuDevice
{
    /// <summary>Port name the QEMU guest agent listens on.</summary>
    public const string GuestAgentPortName = "org.qemu.guest_agent.0";

    /// <inheritdoc/>
    public string Driver => "virtserialport";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id)
        .PutIfNotNull("bus", Controller + ".0")
        .PutIfNotNull("chardev", Chardev)
        .PutIfNotNull("name", PortName);
}

/// <summary>
/// A virtio RNG fed by QEMU's built-in backend (getrandom on the host): cheap, and it spares guests a slow
/// entropy-starved boot.
/// </summary>
public sealed record VirtioRngPci(string Id = "rng0") : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => "virtio-rng-pci";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id);
}

/// <summary>
/// The virtio memory balloon: the guest's driver hands pages to the host up to the target set with QMP
/// <c>balloon</c>, so a running VM can be given less memory than QEMU's <c>-m</c> and then more again, up to -m.
/// QMP <c>query-balloon</c> tells what it leaves the guest.
/// </summary>
/// <param name="Id">Device id; QMP <c>balloon</c> and <c>query-balloon</c> find the single balloon without it.</param>
public sealed record VirtioBalloonPci(string Id = "balloon0") : IQemuDevice
{
    /// <summary>
    /// Let the guest take pages back from the balloon when it would otherwise run out of memory
    /// (<c>deflate-on-oom</c>, default on here, off in QEMU). The target then is a limit the guest keeps while it
    /// can, not a reason to kill its processes: the host accepted the whole of -m when the VM started, and the
    /// OOM killer inside a guest is worse for its owner than a guest above its target, which query-balloon shows.
    /// The cost: with it the Linux driver leaves the guest's MemTotal at all of -m and takes the balloon's pages
    /// from MemFree instead (measured with Debian 12's kernel in the tiny guest).
    /// </summary>
    public bool DeflateOnOom { get; init; } = true;

    // free-page-reporting (and free-page-hint) stay off, as QEMU defaults: with them the guest keeps reporting
    // freed pages and QEMU discards them, which costs guest and host CPU all the time (much more under TCG) and
    // makes QEMU's RSS follow the guest's page cache; shrinking a VM is what the balloon target is for. (The cost of
    // a host that takes freed pages back is measured in docs/benchmarks.md, 2026-11-25: first writes fault.)

    /// <inheritdoc/>
    public string Driver => "virtio-balloon-pci";

    /// <inheritdoc/>
    public JsonObject ToJson()
    {
        var json = Json.Device(Driver, Id);
        if (DeflateOnOom) json["deflate-on-oom"] = true;
        return json;
    }
}

/// <summary>A 16550A UART on the ISA bus; the first one is the guest's ttyS0.</summary>
/// <param name="Id">Device id.</param>
/// <param name="Chardev">Id of the backing chardev.</param>
public sealed record IsaSerial(string Id, string Chardev) : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => "isa-serial";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id).PutIfNotNull("chardev", Chardev);
}

/// <summary>
/// A PCIe root port (q35 only). Devices on the q35 root bus (pcie.0) cannot be hot-plugged; a device can be
/// hot-plugged into an empty root port, so a VM gets a few spare ports as libvirt gives it.
/// </summary>
/// <param name="Id">Device id; devices plug in with <c>"bus": Id</c>.</param>
/// <param name="Chassis">Chassis number, unique per port.</param>
/// <param name="Port">PCIe port number, unique per port.</param>
public sealed record PcieRootPort(string Id, int Chassis, int Port) : IQemuDevice
{
    /// <inheritdoc/>
    public string Driver => "pcie-root-port";

    /// <inheritdoc/>
    public JsonObject ToJson() => Json.Device(Driver, Id)
        .PutIfNotNull("chassis", Chassis)
        .PutIfNotNull("port", Port);
}

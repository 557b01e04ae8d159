using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Qemu;

/// <summary>
/// Rejects configurations that QEMU would refuse, or worse, misread, before any process is started, listing
/// every problem at once.
/// </summary>
internal static partial class QemuConfigValidator
{
    /// <summary>sockaddr_un.sun_path holds 108 bytes including the terminating NUL; QEMU refuses longer paths.</summary>
    public const int MaxUnixSocketPathBytes = 107;

    /// <summary>QEMU stores node names in a 32-byte buffer including the NUL.</summary>
    public const int MaxNodeNameLength = 31;

    // QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]*$")]
    private static partial Regex QemuId();

    // Machine types and CPU models are passed inside key=value options; a ',' would inject extra options.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex PlainName();

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")]
    private static partial Regex MacAddress();

    public static void Validate(QemuVmConfig c)
    {
        var p = new List<string>();

        if (string.IsNullOrWhiteSpace(c.Name)) p.Add("Name is empty.");
        else if (c.Name.Any(char.IsControl)) p.Add("Name contains control characters.");
        if (!PlainName().IsMatch(c.MachineType)) p.Add($"Machine type '{c.MachineType}' is not a plain name.");
        if (!PlainName().IsMatch(c.CpuModel)) p.Add($"CPU model '{c.CpuModel}' is not a plain name.");
        if (c.Vcpus < 1) p.Add("Vcpus must be at least 1.");
        if (c.MaxVcpus is { } maxVcpus && maxVcpus < c.Vcpus) p.Add($"MaxVcpus ({maxVcpus}) is less than Vcpus ({c.Vcpus}).");
        if (c.MemoryMiB < 1) p.Add("MemoryMiB must be at least 1.");
        if (c.Accel == QemuAccel.Tcg && c.CpuModel == "host") p.Add("CPU model 'host' requires KVM.");
        if (c.TcgTranslationCacheMiB is { } tb)
        {
            if (c.Accel != QemuAccel.Tcg) p.Add("TcgTranslationCacheMiB applies only to TCG.");
            if (tb < 1) p.Add("TcgTranslationCacheMiB must be at least 1.");
        }
        if (c.Vnc?.Port is { } port && port is < VncConfig.BasePort or > 65535)
            p.Add($"VNC port {port} is outside {VncConfig.BasePort}-65535.");

        Socket(p, "QmpSocketPath", c.QmpSocketPath);
        Absolute(p, "PidFilePath", c.PidFilePath);
        if (c.DirectKernelBoot is { } k)
        {
            Absolute(p, "kernel path", k.KernelPath);
            if (k.InitrdPath is not null) Absolute(p, "initrd path", k.InitrdPath);
        }
        if (c.SerialConsole is { } s)
        {
            Socket(p, "serial console socket", s.SocketPath);
            Absolute(p, "serial console log", s.LogFilePath);
        }

        var chardevIds = Unique(p, "chardev", ReservedChardevs(c).Concat(c.Chardevs.Select(ch => ch.Id)));
        foreach (var ch in c.Chardevs)
        {
            Socket(p, $"chardev '{ch.Id}' socket", ch.SocketPath);
            if (ch.LogFilePath is not null) Absolute(p, $"chardev '{ch.Id}' log", ch.LogFilePath);
        }

        var nodeNames = Unique(p, "block node", c.BlockNodes.Select(b => b.NodeName));
        foreach (var b in c.BlockNodes)
        {
            if (b.ProtocolNodeName.Length > MaxNodeNameLength)
                p.Add($"Block node name '{b.NodeName}' is longer than {MaxNodeNameLength - 5} characters.");
            Absolute(p, $"block node '{b.NodeName}' path", b.Path);
            // QEMU: "aio=native was specified, but it requires cache.direct=on".
            if (b.Aio == DiskAioMode.Native && b.Cache is not (DiskCacheMode.None or DiskCacheMode.Directsync))
                p.Add($"Block node '{b.NodeName}' uses aio=native, which needs O_DIRECT (cache none or directsync).");
        }

        var netdevIds = Unique(p, "netdev", c.Netdevs.Select(n => n.Id));
        foreach (var tap in c.Netdevs.OfType<TapNetdev>())
        {
            if (tap.IfName.Length is 0 or > 15 || tap.IfName.Any(ch => ch == '/' || char.IsWhiteSpace(ch)))
                p.Add($"Tap interface name '{tap.IfName}' is not a valid Linux interface name.");
            if (tap.Queues < 1) p.Add($"Tap netdev '{tap.Id}' must have at least 1 queue.");
        }

        Unique(p, "device", ReservedDevices(c).Concat(c.Devices.Select(d => d.Id)));
        CheckReferences(p, c, "drive", nodeNames);
        CheckReferences(p, c, "netdev", netdevIds);
        CheckReferences(p, c, "chardev", chardevIds);
        CheckDevices(p, c);
        CheckBootOrder(p, c);

        if (p.Count > 0) throw new QemuConfigException(p);
    }

    private static IEnumerable<string> ReservedChardevs(QemuVmConfig c) =>
        c.SerialConsole is null ? [QemuCommandLine.QmpChardevId] : [QemuCommandLine.QmpChardevId, QemuCommandLine.SerialChardevId];

    private static IEnumerable<string> ReservedDevices(QemuVmConfig c) =>
        c.SerialConsole is null ? [] : [QemuCommandLine.SerialDeviceId];

    private static HashSet<string> Unique(List<string> p, string what, IEnumerable<string> ids)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!QemuId().IsMatch(id)) p.Add($"The {what} id '{id}' is not a valid QEMU id.");
            if (!seen.Add(id)) p.Add($"The {what} id '{id}' is used twice.");
        }
        return seen;
    }

    // Every backend (block node, netdev, chardev) can be attached to exactly one device.
    private static void CheckReferences(List<string> p, QemuVmConfig c, string property, HashSet<string> known)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in c.Devices)
        {
            if (d.ToJson()[property] is not JsonValue v || v.GetValue<string>() is not { } target) continue;
            if (!known.Contains(target)) p.Add($"Device '{d.Id}' refers to a missing {property} '{target}'.");
            else if (!used.Add(target)) p.Add($"The {property} '{target}' is attached to more than one device.");
        }
    }

    private static void CheckDevices(List<string> p, QemuVmConfig c)
    {
        var scsiControllers = c.Devices.OfType<VirtioScsiPci>().Select(d => d.Id).ToHashSet();
        var serialControllers = c.Devices.OfType<VirtioSerialPci>().Select(d => d.Id).ToHashSet();
        var taps = c.Netdevs.OfType<TapNetdev>().ToDictionary(t => t.Id);
        var addresses = new HashSet<string>(StringComparer.Ordinal);
        var readOnlyNodes = c.BlockNodes.Where(b => b.ReadOnly).Select(b => b.NodeName).ToHashSet();

        // A writable node takes QEMU's write lock on the image, so a second VM could not attach the same ISO.
        void Cd(string id, string? drive)
        {
            if (drive is not null && c.BlockNodes.Any(b => b.NodeName == drive) && !readOnlyNodes.Contains(drive))
                p.Add($"CD-ROM '{id}' must use a read-only block node, and '{drive}' is writable.");
        }

        void Scsi(string id, string controller, int lun)
        {
            if (!scsiControllers.Contains(controller)) p.Add($"Device '{id}' refers to a missing SCSI controller '{controller}'.");
            if (lun is < 0 or > 16383) p.Add($"Device '{id}' has LUN {lun} outside 0-16383.");
            if (!addresses.Add($"scsi:{controller}:{lun}")) p.Add($"Device '{id}' reuses LUN {lun} on '{controller}'.");
        }

        void Ide(string id, SataSlot slot)
        {
            if (!addresses.Add($"ide:{slot.Bus}:{slot.Unit}")) p.Add($"Device '{id}' reuses the SATA/IDE slot {slot.Bus} unit {slot.Unit}.");
        }

        foreach (var d in c.Devices)
        {
            switch (d)
            {
                case ScsiHd hd: Scsi(hd.Id, hd.Controller, hd.Lun); break;
                case ScsiCd cd: Scsi(cd.Id, cd.Controller, cd.Lun); Cd(cd.Id, cd.Drive); break;
                case IdeHd hd: Ide(hd.Id, hd.Slot); break;
                case IdeCd cd: Ide(cd.Id, cd.Slot); Cd(cd.Id, cd.Drive); break;
                case VirtSerialPort port when !serialControllers.Contains(port.Controller):
                    p.Add($"Device '{d.Id}' refers to a missing virtio-serial controller '{port.Controller}'.");
                    break;
                case NicDevice nic:
                    if (!MacAddress().IsMatch(nic.Mac)) p.Add($"NIC '{nic.Id}' has a malformed MAC address '{nic.Mac}'.");
                    else if ((Convert.ToByte(nic.Mac[..2], 16) & 1) != 0) p.Add($"NIC '{nic.Id}' has a multicast MAC address '{nic.Mac}'.");
                    var queues = nic is VirtioNetPci v ? v.Queues : 1;
                    var backendQueues = taps.TryGetValue(nic.Netdev, out var tap) ? tap.Queues : 1;
                    if (queues < 1) p.Add($"NIC '{nic.Id}' must have at least 1 queue.");
                    else if (queues != backendQueues) p.Add($"NIC '{nic.Id}' has {queues} queue(s) but its netdev '{nic.Netdev}' has {backendQueues}.");
                    break;
            }
        }
    }

    private static void CheckBootOrder(List<string> p, QemuVmConfig c)
    {
        var explicitIndexes = c.Devices.OfType<IBootableDevice>().Where(d => d.BootIndex is not null).ToList();
        if (c.BootOrder.Count > 0 && explicitIndexes.Count > 0)
            p.Add("BootOrder and explicit device boot indexes cannot be combined.");
        if (c.BootOrder.Distinct().Count() != c.BootOrder.Count) p.Add("BootOrder lists a device kind twice.");
        foreach (var dup in explicitIndexes.GroupBy(d => d.BootIndex).Where(g => g.Count() > 1))
            p.Add($"Boot index {dup.Key} is used by more than one device.");
    }

    private static void Absolute(List<string> p, string what, string path)
    {
        // -daemonize makes QEMU chdir("/"), so a relative path would silently point elsewhere.
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path)) p.Add($"The {what} '{path}' is not absolute.");
        else if (path.Contains('\0')) p.Add($"The {what} contains a NUL character.");
    }

    private static void Socket(List<string> p, string what, string path)
    {
        Absolute(p, what, path);
        if (Encoding.UTF8.GetByteCount(path ?? "") > MaxUnixSocketPathBytes)
            p.Add($"The {what} '{path}' is longer than {MaxUnixSocketPathBytes} bytes, the Unix socket limit.");
    }
}

using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

public static partial class VmSpecValidator
{
    /// <summary>virtio-blk's serial field and the ATA IDENTIFY serial both hold 20 bytes.</summary>
    public const int MaxDiskSerialLength = 20;

    private static readonly string[] DiskDevices = ["disk", "cdrom"];
    private static readonly string[] Formats = ["raw", "qcow2"];
    private static readonly string[] DiskBuses = ["virtio", "sata", "scsi"];
    private static readonly string[] CdromBuses = ["sata", "scsi"];
    private static readonly string[] NicTypes = ["network", "bridge", "user"];
    private static readonly string[] NicModels = ["virtio", "e1000e", "rtl8139"];
    private static readonly string[] GraphicsTypes = ["vnc", "none"];
    private static readonly string[] CacheModes = ["none", "writeback", "writethrough", "directsync", "unsafe"];
    private static readonly string[] AioModes = ["io_uring", "native", "threads"];
    private static readonly string[] DiscardModes = ["unmap", "ignore"];

    private static void ValidateDisks(IReadOnlyList<DiskSpec> disks, HostLimits limits, Errors errors)
    {
        var paths = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var disk = disks[i];
            var at = SpecFields.Index("disks", i);
            var isCdrom = disk.Device == "cdrom";
            if (!DiskDevices.Contains(disk.Device))
                errors.Add($"{at}.device", disk.Device, $"is not a device type; {Hint(disk.Device, DiskDevices, "use disk or cdrom")}");

            if (disk.Volume is not null && VolumeReference.Validate(disk.Volume) is { } volumeError)
                errors.Add($"{at}.volume", disk.Volume, volumeError);
            if (disk.Path is null)
            {
                if (!isCdrom && disk.Volume is null)
                    errors.Add($"{at}.volume", null, "missing; give a volume (POOL/NAME) or the absolute path of a disk image", hint: "List the volumes: vireo vol list");
            }
            else
            {
                CheckFile($"{at}.path", disk.Path, isCdrom ? "an ISO image" : "a disk image", limits, errors);
                if (disk.Path.StartsWith('/'))
                {
                    // /a/./b.img and /a//b.img are the same file; two writers on one image corrupt it.
                    var key = Path.GetFullPath(disk.Path);
                    if (paths.TryGetValue(key, out var first))
                        errors.Add($"{at}.path", disk.Path, $"is already used by disks[{first}]; attach each image once");
                    else
                        paths[key] = i;
                }
            }

            if (disk.Format is null)
            {
                // A volume's format is the one its pool recorded; the engine fills it in.
                if (!isCdrom && disk.Volume is null)
                    errors.Add($"{at}.format", null, "missing; give raw or qcow2 — Vireo never probes image formats");
            }
            else if (!Formats.Contains(disk.Format))
            {
                errors.Add($"{at}.format", disk.Format, Suggestions.Closest(disk.Format, Formats) is { } f
                    ? $"is not a supported format; did you mean \"{f}\"?"
                    : "is not a supported format; use raw or qcow2 (convert others with qemu-img convert)");
            }

            if (disk.Bus is not null)
            {
                if (isCdrom && disk.Bus == "virtio")
                    errors.Add($"{at}.bus", disk.Bus, "cannot carry a cdrom; use sata or scsi");
                else if (!(isCdrom ? CdromBuses : DiskBuses).Contains(disk.Bus))
                    errors.Add($"{at}.bus", disk.Bus, $"is not a bus; {Hint(disk.Bus, DiskBuses, isCdrom ? "use sata or scsi" : "use virtio, sata or scsi")}");
            }

            if (disk.Serial is not null) ValidateDiskSerial($"{at}.serial", disk.Serial, errors);
            if (disk.Cache is not null && !CacheModes.Contains(disk.Cache))
                errors.Add($"{at}.cache", disk.Cache, $"is not a cache mode; {Hint(disk.Cache, CacheModes, "use none, writeback, writethrough, directsync or unsafe")}");
            if (disk.Aio is not null && !AioModes.Contains(disk.Aio))
                errors.Add($"{at}.aio", disk.Aio, $"is not an I/O mode; {Hint(disk.Aio, AioModes, "use io_uring, native or threads")}");
            else if (disk.Aio == "native" && disk.Cache is "writeback" or "writethrough" or "unsafe")
                errors.Add($"{at}.aio", disk.Aio, $"needs O_DIRECT, which cache: {disk.Cache} does not use; use cache: none or directsync, or aio: io_uring/threads");
            if (disk.Discard is not null && !DiscardModes.Contains(disk.Discard))
                errors.Add($"{at}.discard", disk.Discard, $"is not a discard mode; {Hint(disk.Discard, DiscardModes, "use unmap or ignore")}");
        }
    }

    private static void ValidateDiskSerial(string field, string serial, Errors errors)
    {
        const string allowed = "use up to 20 letters, digits, \"_\", \".\" or \"-\"";
        var bad = serial.ToList().FindIndex(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'));
        if (serial.Length == 0)
            errors.Add(field, serial, $"is empty; {allowed}, or leave serial out");
        else if (bad >= 0)
            errors.Add(field, serial, $"contains {DisplayText.Describe(serial, bad)}; {allowed}");
        else if (serial.Length > MaxDiskSerialLength)
            errors.Add(field, serial, $"is {serial.Length} characters long; {allowed}");
    }

    private static void ValidateNics(IReadOnlyList<NicSpec> nics, Errors errors)
    {
        var macs = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nics.Count; i++)
        {
            var nic = nics[i];
            var at = SpecFields.Index("nics", i);
            if (!NicTypes.Contains(nic.Type))
                errors.Add($"{at}.type", nic.Type, $"is not a NIC type; {Hint(nic.Type, NicTypes, "use network, bridge or user")}");

            if (nic.Type == "bridge")
            {
                if (nic.Bridge is null)
                    errors.Add($"{at}.bridge", null, "missing; type: bridge needs the name of a host bridge, e.g. br0");
                else if (LinuxInterfaceNames.Validate(nic.Bridge) is { } bridgeError)
                    errors.Add($"{at}.bridge", nic.Bridge, bridgeError);
            }
            else if (nic.Bridge is not null)
            {
                errors.Add($"{at}.bridge", nic.Bridge, "is only used with type: bridge; remove it or set type: bridge");
            }
            if (nic.Type == "network")
            {
                if (nic.Network is null)
                    errors.Add($"{at}.network", null, "missing; type: network needs a network name, e.g. default", hint: "List the networks: vireo net list");
                else if (VmNameRules.Validate(nic.Network) is { } networkError)
                    errors.Add($"{at}.network", nic.Network, networkError);
            }
            else if (nic.Network is not null)
            {
                errors.Add($"{at}.network", nic.Network, "is only used with type: network; remove it or set type: network");
            }

            if (nic.Mac is not null)
            {
                if (MacAddresses.Validate(nic.Mac) is { } macError)
                    errors.Add($"{at}.mac", nic.Mac, macError);
                else if (macs.TryGetValue(MacAddresses.Normalize(nic.Mac), out var first))
                    errors.Add($"{at}.mac", nic.Mac, $"is already used by nics[{first}]; each NIC needs its own MAC");
                else
                    macs[MacAddresses.Normalize(nic.Mac)] = i;
            }

            if (!NicModels.Contains(nic.Model))
                errors.Add($"{at}.model", nic.Model, $"is not a NIC model; {Hint(nic.Model, NicModels, "use virtio, e1000e or rtl8139")}");
        }
    }

    private static void ValidateGraphics(GraphicsSpec graphics, Errors errors)
    {
        if (!GraphicsTypes.Contains(graphics.Type))
            errors.Add("graphics.type", graphics.Type, $"is not a graphics type; {Hint(graphics.Type, GraphicsTypes, "use vnc or none")}");
        if (graphics.Port is not { } port) return;

        var text = port.ToString(CultureInfo.InvariantCulture);
        if (graphics.Type == "none")
            errors.Add("graphics.port", text, "is only used with type: vnc; remove port or set type: vnc");
        else if (port is < 5900 or > 65535)
            errors.Add("graphics.port", text, "is outside 5900-65535 (VNC display 0 is port 5900); give a port in that range or leave port out to pick a free one");
    }
}

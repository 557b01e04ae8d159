using System.Globalization;
using System.Text.RegularExpressions;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Checks a bound spec against Vireo's rules and the host's limits. Pure apart from the injected host facts;
/// returns every problem, each naming its field, the value and the fix.
/// </summary>
public static partial class VmSpecValidator
{
    /// <summary>Smallest guest memory: a Linux kernel does not boot in less.</summary>
    public const long MinMemoryMiB = 16;

    private static readonly string[] Machines = ["q35", "pc"];
    private static readonly string[] BootDevices = ["disk", "cdrom", "network"];
    private static readonly string[] Formats = ["raw", "qcow2"];
    private static readonly string[] Buses = ["virtio", "sata", "scsi"];
    private static readonly string[] NicTypes = ["user", "bridge"];
    private static readonly string[] NicModels = ["virtio", "e1000e", "rtl8139"];

    public static IReadOnlyList<FieldError> Validate(VmSpec spec, HostLimits host)
    {
        var errors = new List<FieldError>();
        void Error(string field, object? value, string message) => errors.Add(new FieldError
        {
            Field = field,
            Value = value is null ? null : VmNameRules.Printable(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
            Message = message,
        });

        if (VmNameRules.Validate(spec.Name) is { } nameProblem)
            Error("name", spec.Name, nameProblem);
        if (spec.Uuid is not null && !Guid.TryParseExact(spec.Uuid, "D", out _))
            Error("uuid", spec.Uuid, "is not a UUID; write it as 8-4-4-4-12 hex digits, or leave it out to get a new one");
        if (spec.Description is { Length: > 1024 })
            Error("description", null, "is longer than 1024 characters");

        if (spec.Vcpus < 1)
            Error("vcpus", spec.Vcpus, "must be at least 1");
        else if (spec.Vcpus > host.HostCpus)
            Error("vcpus", spec.Vcpus, $"exceeds the {host.HostCpus} logical CPUs of this host; use at most {host.HostCpus}");

        if (spec.Memory < MinMemoryMiB)
            Error("memory", spec.Memory, $"is below the {MinMemoryMiB} MiB minimum; give at least 16 (MiB), e.g. 128MiB");
        else if (spec.Memory > host.HostMemoryMiB)
            Error("memory", $"{spec.Memory} MiB", $"is more than this host's {SizeParser.Format(host.HostMemoryMiB * SizeParser.MiB)} of memory");

        if (!Machines.Contains(spec.Machine) && !VersionedMachine().IsMatch(spec.Machine))
            Error("machine", spec.Machine, "is not a supported machine type; use q35 (default), pc, or a versioned pc-q35-X.Y / pc-i440fx-X.Y");
        if (spec.Cpu is not ("auto" or "host" or "max") && !CpuModel().IsMatch(spec.Cpu))
            Error("cpu", spec.Cpu, "is not a CPU model; use auto, host, max or a QEMU model name such as Skylake-Server");
        if (spec.Accel is not ("auto" or "kvm" or "tcg"))
            Error("accel", spec.Accel, "is not one of auto, kvm, tcg");
        if (spec.Image is not null && VmNameRules.Validate(spec.Image) is not null)
            Error("image", spec.Image, "is not an image name");

        ValidateBoot(spec, host, Error);
        ValidateDisks(spec, host, Error);
        ValidateNics(spec, Error);

        if (spec.Graphics.Type is not ("vnc" or "none"))
            Error("graphics.type", spec.Graphics.Type, "is not one of vnc, none");
        if (spec.Graphics.Port is { } port)
        {
            if (spec.Graphics.Type != "vnc")
                Error("graphics.port", port, "is only allowed with graphics type vnc");
            else if (port is < 5900 or > 65535)
                Error("graphics.port", port, "is outside 5900-65535; leave it out to pick a free port");
        }
        return errors;
    }

    private static void ValidateBoot(VmSpec spec, HostLimits host, Action<string, object?, string> error)
    {
        var boot = spec.Boot;
        CheckFile("boot.kernel", boot.Kernel, "kernel");
        CheckFile("boot.initrd", boot.Initrd, "initrd");
        if (boot.Initrd is not null && boot.Kernel is null)
            error("boot.initrd", boot.Initrd, "needs boot.kernel as well");
        if (boot.Cmdline is not null)
        {
            if (boot.Kernel is null)
                error("boot.cmdline", boot.Cmdline, "needs boot.kernel; a kernel command line only applies to direct kernel boot");
            if (boot.Cmdline.Length > 4096)
                error("boot.cmdline", null, $"is {boot.Cmdline.Length} characters; the limit is 4096");
        }
        var seen = new HashSet<string>();
        for (var i = 0; i < boot.Order.Count; i++)
        {
            var entry = boot.Order[i];
            if (!BootDevices.Contains(entry))
                error($"boot.order[{i}]", entry, "is not one of disk, cdrom, network");
            else if (!seen.Add(entry))
                error($"boot.order[{i}]", entry, "appears twice");
        }
        if (boot.Kernel is null && spec.Image is null && spec.Disks.Count == 0 && !boot.Order.Contains("network"))
            error("boot", null, "gives nothing to boot from; set boot.kernel, add a disk or cdrom, or use image: tiny");

        void CheckFile(string field, string? path, string what)
        {
            if (path is null)
                return;
            if (!Path.IsPathFullyQualified(path))
                error(field, path, $"is not an absolute path; give the absolute path of the {what} file");
            else if (!host.FileExists(path))
                error(field, path, $"does not exist; give the absolute path of a {what} file");
        }
    }

    private static void ValidateDisks(VmSpec spec, HostLimits host, Action<string, object?, string> error)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            var at = $"disks[{i}]";
            var cdrom = disk.Device == "cdrom";
            if (disk.Device is not ("disk" or "cdrom"))
                error($"{at}.device", disk.Device, "is not one of disk, cdrom");
            if (disk.Path is null)
            {
                if (!cdrom)
                    error($"{at}.path", null, "is missing; give the absolute path of the image file");
            }
            else if (!Path.IsPathFullyQualified(disk.Path))
                error($"{at}.path", disk.Path, "is not an absolute path");
            else if (!host.FileExists(disk.Path))
                error($"{at}.path", disk.Path, "does not exist; create the image first (qemu-img create) or fix the path");
            else if (!paths.Add(disk.Path))
                error($"{at}.path", disk.Path, "is already used by another disk of this VM");

            if (disk.Format is null)
            {
                if (disk.Path is not null)
                    error($"{at}.format", null, "is missing; give raw or qcow2 — Vireo never probes image formats");
            }
            else if (!Formats.Contains(disk.Format))
                error($"{at}.format", disk.Format, "is not one of raw, qcow2");

            if (disk.Bus is not null && !Buses.Contains(disk.Bus))
                error($"{at}.bus", disk.Bus, "is not one of virtio, sata, scsi");
            else if (cdrom && disk.Bus == "virtio")
                error($"{at}.bus", disk.Bus, "cannot hold a cdrom; use sata (default) or scsi");
            if (disk.Serial is not null && !DiskSerial().IsMatch(disk.Serial))
                error($"{at}.serial", disk.Serial, "must be 1-20 characters of letters, digits, '.', '_' and '-'");
        }
    }

    private static void ValidateNics(VmSpec spec, Action<string, object?, string> error)
    {
        var macs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            var at = $"nics[{i}]";
            if (!NicTypes.Contains(nic.Type))
                error($"{at}.type", nic.Type, "is not one of user, bridge");
            if (nic.Type == "bridge")
            {
                if (nic.Bridge is null)
                    error($"{at}.bridge", null, "is missing; name the host bridge, e.g. br0");
                else if (!InterfaceName().IsMatch(nic.Bridge))
                    error($"{at}.bridge", nic.Bridge, "is not a valid interface name (1-15 characters, no '/', ':' or spaces)");
            }
            else if (nic.Bridge is not null)
                error($"{at}.bridge", nic.Bridge, $"only applies to type bridge, not {nic.Type}");
            if (nic.Mac is not null)
            {
                if (MacAddresses.Validate(nic.Mac) is { } problem)
                    error($"{at}.mac", nic.Mac, problem);
                else if (!macs.Add(nic.Mac))
                    error($"{at}.mac", nic.Mac, "is used by another NIC of this VM");
            }
            if (!NicModels.Contains(nic.Model))
                error($"{at}.model", nic.Model, "is not one of virtio, e1000e, rtl8139");
        }
    }

    [GeneratedRegex(@"^pc-(q35|i440fx)-\d+\.\d+$")]
    private static partial Regex VersionedMachine();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex CpuModel();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,20}$")]
    private static partial Regex DiskSerial();

    [GeneratedRegex(@"^[^/:\s]{1,15}$")]
    private static partial Regex InterfaceName();
}

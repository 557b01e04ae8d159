using System.Globalization;
using System.Text.RegularExpressions;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Checks a bound <see cref="VmSpec"/> against Vireo's rules and the host's limits. Pure: every host fact comes
/// from <see cref="HostLimits"/>. Returns every problem, each rendered by <see cref="FieldError.ToString"/> as
/// <c>path: "value" what is wrong; how to fix</c>.
/// </summary>
public static partial class VmSpecValidator
{
    /// <summary>Below this QEMU boots, but no Linux kernel of the last decade gets to userspace.</summary>
    public const long MinMemoryMiB = 16;

    /// <summary>x86 boot protocol's command line buffer (COMMAND_LINE_SIZE) on current kernels.</summary>
    public const int MaxCmdlineLength = 4096;

    /// <summary>Longest description, so that list output and the store stay sane.</summary>
    public const int MaxDescriptionLength = 4096;

    private static readonly string[] Machines = ["q35", "pc"];
    private static readonly string[] CpuKeywords = ["auto", "host", "max"];
    private static readonly string[] Accels = ["auto", "kvm", "tcg"];
    private static readonly string[] BootDevices = ["disk", "cdrom", "network"];

    /// <summary>Validates <paramref name="spec"/>; an empty list means it is valid on this host.</summary>
    public static IReadOnlyList<FieldError> Validate(VmSpec spec, HostLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new Errors();

        if (VmNameRules.Validate(spec.Name) is { } nameError) errors.Add("name", spec.Name, nameError);
        ValidateUuid(spec.Uuid, errors);
        ValidateText("description", spec.Description, MaxDescriptionLength, allowNewlines: true, errors);
        ValidateText("image", spec.Image, 255, allowNewlines: false, errors);
        ValidateCpusAndMemory(spec, limits, errors);
        ValidateMachine(spec, limits, errors);
        ValidateBoot(spec, limits, errors);
        ValidateDisks(spec.Disks, limits, errors);
        ValidateNics(spec.Nics, errors);
        ValidateGraphics(spec.Graphics, errors);
        ValidateCloudInit(spec.CloudInit, errors);
        return errors.List;
    }

    private static void ValidateUuid(string? uuid, Errors errors)
    {
        if (uuid is null) return;
        if (!Guid.TryParseExact(uuid, "D", out var guid))
            errors.Add("uuid", uuid, "is not a UUID; write 32 hex digits as 8-4-4-4-12, e.g. 6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11, or leave uuid out to have one generated");
        else if (guid == Guid.Empty)
            errors.Add("uuid", uuid, "is the nil UUID, which identifies nothing; leave uuid out to have one generated");
    }

    private static void ValidateText(string field, string? text, int maxLength, bool allowNewlines, Errors errors)
    {
        if (text is null) return;
        if (text.Length > maxLength)
        {
            errors.Add(field, text, $"is {text.Length} characters long; the maximum is {maxLength}");
            return;
        }
        var bad = text.FirstOrDefault(c => DisplayText.IsControlLike(c) && !(allowNewlines && c is '\n' or '\t'));
        if (bad != default)
            errors.Add(field, text, $"contains the control character {DisplayText.EscapeChar(bad)}; remove it");
    }

    private static void ValidateCpusAndMemory(VmSpec spec, HostLimits limits, Errors errors)
    {
        var vcpus = spec.Vcpus.ToString(CultureInfo.InvariantCulture);
        if (spec.Vcpus < 1)
            errors.Add("vcpus", vcpus, "is too few; a VM needs at least 1 vCPU");
        else if (spec.Vcpus > limits.HostCpus)
            errors.Add("vcpus", vcpus, $"exceeds the {limits.HostCpus} logical CPUs of this host; give at most {limits.HostCpus}");

        var memory = SizeParser.FormatMiB(spec.Memory);
        if (spec.Memory < MinMemoryMiB)
            errors.Add("memory", spec.Memory <= 0 ? spec.Memory.ToString(CultureInfo.InvariantCulture) : memory,
                $"is below the {MinMemoryMiB} MiB minimum; give at least {MinMemoryMiB} (MiB), e.g. 512MiB");
        else if (spec.Memory > limits.HostMemoryMiB)
            errors.Add("memory", memory,
                $"is more than this host's {SizeParser.Describe(limits.HostMemoryMiB)} of memory; give at most {limits.HostMemoryMiB}MiB");

        if (spec.MaxVcpus is { } maxVcpus)
        {
            var text = maxVcpus.ToString(CultureInfo.InvariantCulture);
            if (maxVcpus < spec.Vcpus)
                errors.Add("max_vcpus", text, $"is below vcpus ({vcpus}); give at least {vcpus}, or leave max_vcpus out");
            else if (maxVcpus > limits.HostCpus)
                errors.Add("max_vcpus", text, $"exceeds the {limits.HostCpus} logical CPUs of this host; give at most {limits.HostCpus}");
        }
        if (spec.MaxMemory is { } maxMemory)
        {
            var text = maxMemory > 0 ? SizeParser.FormatMiB(maxMemory) : maxMemory.ToString(CultureInfo.InvariantCulture);
            if (maxMemory < spec.Memory)
                errors.Add("max_memory", text, $"is below memory ({memory}); give at least {memory}, or leave max_memory out");
            else if (maxMemory > limits.HostMemoryMiB)
                errors.Add("max_memory", text,
                    $"is more than this host's {SizeParser.Describe(limits.HostMemoryMiB)} of memory; give at most {limits.HostMemoryMiB}MiB");
        }
    }

    private static void ValidateMachine(VmSpec spec, HostLimits limits, Errors errors)
    {
        if (!Machines.Contains(spec.Machine) && !VersionedMachine().IsMatch(spec.Machine))
            errors.Add("machine", spec.Machine,
                $"is not a supported machine type; {Hint(spec.Machine, Machines, "use q35, pc, or a versioned pc-q35-7.2 or pc-i440fx-7.2")}");

        var accelKnown = Accels.Contains(spec.Accel);
        if (!accelKnown)
            errors.Add("accel", spec.Accel, $"is not an accelerator; {Hint(spec.Accel, Accels, "use one of auto, kvm, tcg")}");
        else if (spec.Accel == "kvm" && (limits.KvmRequestable ?? limits.KvmAvailable) == false)
            errors.Add("accel", spec.Accel, "needs /dev/kvm, which this host does not have; use auto or tcg");

        if (!CpuKeywords.Contains(spec.Cpu) && !CpuModel().IsMatch(spec.Cpu))
        {
            errors.Add("cpu", spec.Cpu,
                "is not a CPU model name; use auto, host, max or a QEMU model name of letters, digits, \".\", \"_\" and \"-\" (see qemu-system-x86_64 -cpu help)");
        }
        else if (spec.Cpu == "host" && spec.Accel == "tcg")
        {
            errors.Add("cpu", spec.Cpu, "needs KVM, but accel is tcg; use max or a model name with tcg");
        }
        else if (spec.Cpu == "host" && spec.Accel == "auto" && limits.KvmAvailable == false)
        {
            errors.Add("cpu", spec.Cpu, "needs KVM, which this host does not have; use auto or max");
        }
    }

    private static void ValidateBoot(VmSpec spec, HostLimits limits, Errors errors)
    {
        var boot = spec.Boot;
        if (boot.Kernel is not null) CheckFile("boot.kernel", boot.Kernel, "a kernel file", limits, errors);
        if (boot.Initrd is not null)
        {
            if (boot.Kernel is null)
                errors.Add("boot.initrd", boot.Initrd, "needs boot.kernel (an initrd is only used for direct kernel boot); set boot.kernel or remove initrd");
            else
                CheckFile("boot.initrd", boot.Initrd, "an initrd file", limits, errors);
        }
        if (boot.Cmdline is not null)
        {
            if (boot.Kernel is null)
                errors.Add("boot.cmdline", boot.Cmdline, "needs boot.kernel (firmware boot ignores it); set boot.kernel or remove cmdline");
            else if (boot.Cmdline.Length > MaxCmdlineLength)
                errors.Add("boot.cmdline", boot.Cmdline, $"is {boot.Cmdline.Length} characters long; the kernel accepts at most {MaxCmdlineLength}");
            else if (boot.Cmdline.FirstOrDefault(DisplayText.IsControlLike) is var c and not default(char))
                errors.Add("boot.cmdline", boot.Cmdline, $"contains the control character {DisplayText.EscapeChar(c)}; separate parameters with spaces");
        }

        ValidateBootOrder(spec, "boot.order", boot.Order, errors);
        ValidateBootOrder(spec, "boot.once", boot.Once, errors);
        if (boot.Once.Count > 0 && boot.Kernel is not null)
            errors.Add("boot.once", string.Join(",", boot.Once), "needs firmware boot (direct kernel boot ignores the boot order); remove boot.kernel or boot.once");
        ValidateFirmware(spec, errors);
        if (boot.Firmware == "uefi" && limits.UefiMissing?.Invoke(boot.SecureBoot) is { } missing)
            errors.Add(boot.SecureBoot ? "boot.secure_boot" : "boot.firmware", boot.SecureBoot ? "true" : "uefi",
                $"cannot be used: {missing}; install the ovmf package, or use firmware: bios", hint: "Install it: apt-get install ovmf");

        // A built-in image supplies the kernel when the VM is defined.
        if (boot.Kernel is null && spec.Image is null && spec.Disks.Count == 0 && spec.Nics.Count == 0)
            errors.Add("boot", null, "has nothing to boot from; give boot.kernel, image: tiny, a disk, a cdrom or a NIC");
    }

    private static void ValidateBootOrder(VmSpec spec, string field, IReadOnlyList<string> list, Errors errors)
    {
        var listName = field == "boot.order" ? "the order" : field;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var path = SpecFields.Index(field, i);
            var entry = list[i];
            if (!BootDevices.Contains(entry))
                errors.Add(path, entry, $"is not a boot device; {Hint(entry, BootDevices, "use disk, cdrom or network")}");
            else if (seen.TryGetValue(entry, out var first))
                errors.Add(path, entry, $"is already listed at {field}[{first}]; list each device once");
            else if (!HasBootSource(spec, entry))
                errors.Add(path, entry, entry == "network"
                    ? $"has no NIC to boot from; add one under nics or remove it from {listName}"
                    : $"has no {entry} to boot from; add one under disks (device: {entry}) or remove it from {listName}");
            seen.TryAdd(entry, i);
        }
    }

    private static readonly string[] Firmwares = ["bios", "uefi"];

    private static void ValidateFirmware(VmSpec spec, Errors errors)
    {
        var boot = spec.Boot;
        if (!Firmwares.Contains(boot.Firmware))
        {
            errors.Add("boot.firmware", boot.Firmware, $"is not a firmware; {Hint(boot.Firmware, Firmwares, "use bios or uefi")}");
            return;
        }
        if (boot.SecureBoot && boot.Firmware != "uefi")
            errors.Add("boot.secure_boot", "true", "needs firmware: uefi (SeaBIOS has no Secure Boot); set boot.firmware: uefi or remove secure_boot");
        // OVMF's 4M builds need SMM and the q35 chipset (its pflash and SMM emulation); pc with OVMF is not supported.
        if (boot.Firmware == "uefi" && IsPcMachine(spec.Machine))
            errors.Add("boot.firmware", "uefi", $"needs the q35 machine; machine {spec.Machine} (i440fx) is BIOS only here; set machine: q35 or firmware: bios");
    }

    private static bool IsPcMachine(string machine) => machine == "pc" || machine.StartsWith("pc-i440fx", StringComparison.Ordinal);

    private static bool HasBootSource(VmSpec spec, string device) => device switch
    {
        "network" => spec.Nics.Count > 0,
        _ => spec.Disks.Any(d => d.Device == device),
    };

    private static void CheckFile(string field, string path, string what, HostLimits limits, Errors errors)
    {
        if (path.Length == 0)
            errors.Add(field, path, $"is empty; give the absolute path of {what}");
        else if (path.FirstOrDefault(DisplayText.IsControlLike) is var c and not default(char))
            errors.Add(field, path, $"contains the control character {DisplayText.EscapeChar(c)}; give the absolute path of {what}");
        else if (!path.StartsWith('/'))
            errors.Add(field, path, $"is a relative path; give the absolute path of {what}, e.g. /var/lib/vireo/...");
        else if (!limits.FileExists(path))
            errors.Add(field, path, $"does not exist; give the absolute path of {what}");
    }

    private static string Hint(string value, IReadOnlyCollection<string> allowed, string otherwise) =>
        Suggestions.Closest(value, allowed) is { } closest ? $"did you mean \"{closest}\"?" : otherwise;

    [GeneratedRegex(@"^pc-(q35|i440fx)-[0-9]+\.[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedMachine();

    // Commas are excluded on purpose: in -cpu they would append arbitrary feature flags.
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CpuModel();

    /// <summary>Collects errors with the user's value escaped for display.</summary>
    private sealed class Errors
    {
        public List<FieldError> List { get; } = [];

        public void Add(string field, string? value, string message, string? hint = null) =>
            List.Add(new FieldError { Field = field, Value = value is null ? null : DisplayText.Escape(value), Message = message, Hint = hint });
    }
}

using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>The flags of <c>vireo create</c>, as typed.</summary>
internal sealed record CreateFlags
{
    public required string Name { get; init; }
    public long? Memory { get; init; }
    public int? Vcpus { get; init; }
    public string? Description { get; init; }
    public string? Boot { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string> Disks { get; init; } = [];
    public IReadOnlyList<string> Networks { get; init; } = [];
    public string? Graphics { get; init; }
    public bool Autostart { get; init; }
    public string? OnCrash { get; init; }
    /// <summary><c>--os</c> / <c>--os-variant</c> / <c>--osinfo</c>, as typed.</summary>
    public string? Os { get; init; }
    /// <summary><c>--cdrom ISO</c>: an installer that boots once, then the disk.</summary>
    public string? Cdrom { get; init; }
    /// <summary><c>--import</c>: boot the first disk, no install phase.</summary>
    public bool Import { get; init; }
    /// <summary><c>--pxe</c>: boot from the network first.</summary>
    public bool Pxe { get; init; }
    public IReadOnlyList<string> CloudInit { get; init; } = [];
}

/// <summary>A volume <c>vireo create</c> makes before it defines the VM; <see cref="Size"/> null: the OS's recommended size.</summary>
internal sealed record PlannedVolume(string Pool, string Name, string? Size, string Format)
{
    public string Reference => $"{Pool}/{Name}";
}

/// <summary>
/// What <c>vireo create</c> sends: the spec, the volumes to make first, and the spec fields the user left to vireod
/// (<c>memory</c>, <c>boot.firmware</c>, <c>nics[N].model</c>: with <c>os:</c>, vireod fills them from osinfo).
/// </summary>
internal sealed record CreatePlan(VmSpec Spec, IReadOnlyList<PlannedVolume> NewVolumes, IReadOnlyList<string> LeaveOut);

/// <summary>
/// Turns virt-install style flags into a <see cref="VmSpec"/>. Throws <see cref="CliUsageException"/> naming the
/// flag, the bad item and the accepted keys; range checks (memory, vCPUs, files existing) are vireod's, which
/// reports every problem at once.
/// </summary>
internal static class CreateSpecBuilder
{
    public static VmSpec Build(CreateFlags flags, string cwd) => BuildWithVolumes(flags, cwd).Spec;

    /// <summary>
    /// The spec, and the volumes to create first for <c>--disk size=</c> disks: <c>POOL/NAME-diskN.FORMAT</c>, which
    /// the spec's disks already name.
    /// </summary>
    public static (VmSpec Spec, IReadOnlyList<(string Pool, VolumeCreateRequest Request)> NewVolumes) BuildWithVolumes(CreateFlags flags, string cwd)
    {
        var plan = Plan(flags, cwd);
        return (plan.Spec, plan.NewVolumes.Select(v => (v.Pool, new VolumeCreateRequest { Name = v.Name, Size = v.Size, Format = v.Format })).ToList());
    }

    /// <summary>
    /// The spec, the volumes to make first and the fields left to vireod; a <see cref="CliUsageException"/> when a
    /// flag is malformed or the flags leave nothing to boot or contradict each other (saying what to add or remove).
    /// </summary>
    public static CreatePlan Plan(CreateFlags flags, string cwd)
    {
        var newVolumes = new List<PlannedVolume>();
        var noDisk = flags.Disks.Any(d => d.Trim().Equals("none", StringComparison.OrdinalIgnoreCase));
        if (noDisk && flags.Disks.Count > 1)
            throw new CliUsageException($"{DiskOption.Flag} none means no disk at all; it cannot be combined with other {DiskOption.Flag} flags. Remove {DiskOption.Flag} none, or the others.");
        var disks = (noDisk ? [] : flags.Disks).Select((text, i) =>
        {
            var (disk, create) = DiskOption.ParseFull(text, cwd);
            if (create is null)
                return disk;
            var pool = create.Pool ?? "default";
            var name = $"{flags.Name}-disk{i}.{create.Format}";
            newVolumes.Add(new PlannedVolume(pool, name, create.Size, create.Format));
            return disk with { Volume = $"{pool}/{name}" };
        }).ToList();
        var spec = new VmSpec
        {
            Name = flags.Name,
            Description = flags.Description,
            Image = flags.Image,
            Boot = flags.Boot is null ? new BootSpec() : BootOption.Parse(flags.Boot, cwd),
            Disks = disks,
            Nics = Nics(flags.Networks),
            Autostart = flags.Autostart,
            OnCrash = ParseOnCrash(flags.OnCrash),
            CloudInit = CloudInitOption.Parse(flags.CloudInit, cwd),
        };
        if (flags.Memory is { } memory)
            spec = spec with { Memory = memory };
        if (flags.Vcpus is { } vcpus)
            spec = spec with { Vcpus = vcpus };
        if (flags.Graphics is not null)
            spec = spec with { Graphics = GraphicsOption.Parse(flags.Graphics) };
        if (flags.Image is not null)
        {
            // The built-in images are small serial-console guests: little memory, no display.
            if (flags.Memory is null)
                spec = spec with { Memory = 128 };
            if (flags.Graphics is null)
                spec = spec with { Graphics = new GraphicsSpec { Type = "none" } };
        }
        var os = flags.Os is null ? null : OsOption.Parse(flags.Os);
        if (os is not null)
            spec = spec with { Os = os };
        // With --image, the image's OS gives the size (checked once the image is looked up).
        if (os is null && flags.Image is null && newVolumes.FirstOrDefault(v => v.Size is null) is not null)
            throw new CliUsageException($"{DiskOption.Flag} size=default takes the disk size the OS recommends, and no OS is given: add --os ID (vireo os list), or give a size: size=20G.");
        spec = InstallPhase(spec, flags, newVolumes, cwd);

        var leaveOut = new List<string>();
        if (flags.Memory is null && flags.Image is null)
            leaveOut.Add("memory");
        if (flags.Boot is null || !BootOption.NamesFirmware(flags.Boot))
            leaveOut.Add("boot.firmware");
        for (var i = 0; i < flags.Networks.Count && i < spec.Nics.Count; i++)
            if (!KeyValueList.Parse(NetworkOption.Flag, flags.Networks[i], NetworkOption.Accepted).Any(k => k.Key == "model"))
                leaveOut.Add($"nics[{i}].model");
        if (flags.Networks.Count == 0)
            leaveOut.Add("nics[0].model");
        return new CreatePlan(spec, newVolumes, leaveOut);
    }

    /// <summary>
    /// <c>--cdrom</c>, <c>--import</c> and <c>--pxe</c> into the boot settings, and the checks that the flags leave
    /// something to boot and do not contradict each other.
    /// </summary>
    private static VmSpec InstallPhase(VmSpec spec, CreateFlags flags, List<PlannedVolume> newVolumes, string cwd)
    {
        var boot = spec.Boot;
        var hardDisks = spec.Disks.Where(d => d.Device == "disk").ToList();
        var kernel = boot.Kernel is not null;
        var orderGiven = boot.Order.Count > 0;
        if (flags.Import && flags.Cdrom is not null)
            throw new CliUsageException("--import boots an installed disk and --cdrom an installer: they contradict each other. Remove --import to install from the ISO, or --cdrom to boot the disk.");
        if (flags.Pxe && flags.Cdrom is not null)
            throw new CliUsageException("--pxe and --cdrom are two install sources: keep one.");
        if (flags.Import)
        {
            if (hardDisks.Count == 0)
                throw new CliUsageException("--import boots the first disk, and there is none: add --disk vol=POOL/NAME or --disk path=FILE,format=qcow2 (an installed system).");
            if (hardDisks[0].Volume is { } first && newVolumes.Any(v => v.Reference == first))
                throw new CliUsageException($"--import boots the first disk, but {DiskOption.Flag} size= makes a new, empty one: give an installed system with vol=POOL/NAME or path=FILE,format=F.");
            if (kernel)
                throw new CliUsageException("--import boots the disk through the firmware; --boot kernel= boots a kernel directly: remove one of them.");
            if (!orderGiven)
                boot = boot with { Order = ["disk"] };
        }
        if (flags.Cdrom is { } iso)
        {
            var path = Paths.Absolute(iso, cwd);
            if (kernel)
                throw new CliUsageException("--cdrom boots an installer from the CD-ROM; --boot kernel= boots a kernel directly: remove one of them.");
            if (Paths.Remote is null && (Directory.Exists(path) || !File.Exists(path)))
                throw new CliUsageException($"--cdrom \"{iso}\": there is no file {path}: give the path of an installer ISO image.");
            spec = spec with { Disks = [.. spec.Disks, new DiskSpec { Path = path, Format = "raw", Device = "cdrom", Readonly = true }] };
            // Like virt-install: the installer boots once, then the installed disk (with no disk: a live CD).
            if (hardDisks.Count > 0)
                boot = boot with { Once = ["cdrom"], Order = orderGiven ? boot.Order : ["disk"] };
            else if (!orderGiven)
                boot = boot with { Order = ["cdrom"] };
        }
        if (flags.Pxe)
        {
            if (spec.Nics.Count == 0)
                throw new CliUsageException("--pxe boots from the network, but --network none gives the VM no NIC: remove --network none, or --pxe.");
            if (kernel)
                throw new CliUsageException("--pxe boots from the network through the firmware; --boot kernel= boots a kernel directly: remove one of them.");
            if (orderGiven)
                throw new CliUsageException("--pxe puts the network first in the boot order, and --boot gives an order too: give it once (--boot network,hd, or --pxe alone).");
            boot = boot with { Order = hardDisks.Count > 0 ? ["network", "disk"] : ["network"] };
        }
        if (boot.Firmware == "uefi" && boot.Kernel is { } k && KernelImage.CannotBootUefi(k) is { } why)
            throw new CliUsageException($"--boot uefi with kernel={k}: {why}. Remove uefi to boot it from SeaBIOS, or give a kernel built with the EFI stub (CONFIG_EFI_STUB).");
        if (hardDisks.Count == 0 && spec.Disks.Count == 0 && !kernel && spec.Image is null && !flags.Pxe && !boot.Order.Contains("network"))
            throw new CliUsageException(
                "nothing to boot: the VM has no disk, no installer and no kernel. Add a disk (--disk size=20G with --cdrom ISO or --pxe to install, " +
                "or --disk vol=POOL/NAME --import), --cdrom ISO (a live CD), --pxe, --boot kernel=PATH or --image NAME.");
        return spec with { Boot = boot };
    }

    /// <summary>Like virt-install, a VM gets one NIC on the network "default" unless told otherwise.</summary>
    private static List<NicSpec> Nics(IReadOnlyList<string> networks)
    {
        if (networks.Count == 0)
            return [new NicSpec { Type = "network", Network = "default" }];
        var nics = networks.Select(NetworkOption.Parse).ToList();
        if (nics.Contains(null) && nics.Count > 1)
            throw new CliUsageException($"{NetworkOption.Flag} none means no network at all; it cannot be combined with other {NetworkOption.Flag} flags.");
        return nics.OfType<NicSpec>().ToList();
    }

    private static OnCrash ParseOnCrash(string? value) => value?.ToLowerInvariant() switch
    {
        null or "destroy" => OnCrash.Destroy,
        "restart" => OnCrash.Restart,
        "preserve" => OnCrash.Preserve,
        _ => throw new CliUsageException($"--on-crash \"{value}\": not one of destroy, restart, preserve."),
    };
}

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
    public IReadOnlyList<string> CloudInit { get; init; } = [];
}

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
        var newVolumes = new List<(string Pool, VolumeCreateRequest Request)>();
        var disks = flags.Disks.Select((text, i) =>
        {
            var (disk, create) = DiskOption.ParseFull(text, cwd);
            if (create is null)
                return disk;
            var pool = create.Pool ?? "default";
            var name = $"{flags.Name}-disk{i}.{create.Format}";
            newVolumes.Add((pool, new VolumeCreateRequest { Name = name, Size = create.Size, Format = create.Format }));
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
        return (spec, newVolumes);
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

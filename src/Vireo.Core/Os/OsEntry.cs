namespace Vireo.Core.Os;

/// <summary>CPU count, memory and disk of one osinfo <c>&lt;minimum&gt;</c>, <c>&lt;recommended&gt;</c> or <c>&lt;maximum&gt;</c>; null where the database says nothing.</summary>
public sealed record OsResourceValues(int? Cpus, long? RamBytes, long? StorageBytes)
{
    public bool IsEmpty => Cpus is null && RamBytes is null && StorageBytes is null;
}

/// <summary>One <c>&lt;resources arch=...&gt;</c> element: <c>inherit="true"</c> takes the parent's, as in osinfo-db.</summary>
internal sealed record OsResourceSet(string Arch, bool Inherit, OsResourceValues? Minimum, OsResourceValues? Recommended, OsResourceValues? Maximum);

/// <summary>One <c>&lt;firmware arch= type= supported=&gt;</c> element.</summary>
public sealed record OsFirmware(string Arch, string Type, bool Supported);

/// <summary>
/// One <c>&lt;os&gt;</c> of the osinfo database as its files state it, without anything inherited (see
/// <see cref="OsCatalog.Resolve"/> for that). Several files may describe the same id (win-10.xml and win-10.d/*.xml):
/// they are merged into one entry.
/// </summary>
public sealed class OsEntry
{
    internal OsEntry(string id) => Id = id;

    /// <summary>The osinfo id, a URL: <c>http://debian.org/debian/11</c>.</summary>
    public string Id { get; }
    /// <summary>Short ids, the first the main one: <c>debian11</c>, <c>debianbullseye</c>.</summary>
    public List<string> ShortIds { get; } = [];
    public string ShortId => ShortIds.Count > 0 ? ShortIds[0] : Id;
    public string? Name { get; internal set; }
    public string? Vendor { get; internal set; }
    public string? Family { get; internal set; }
    public string? Distro { get; internal set; }
    public string? Version { get; internal set; }
    public string? Codename { get; internal set; }
    public string? ReleaseDate { get; internal set; }
    public string? EolDate { get; internal set; }
    /// <summary>Ids this OS derives from (<c>&lt;derives-from&gt;</c>).</summary>
    public List<string> DerivesFrom { get; } = [];
    /// <summary>Ids this OS upgrades (<c>&lt;upgrades&gt;</c>).</summary>
    public List<string> Upgrades { get; } = [];
    /// <summary>Device ids of <c>&lt;devices&gt;</c>, with <c>supported="false"</c> as false (which removes an inherited one).</summary>
    public Dictionary<string, bool> Devices { get; } = new(StringComparer.Ordinal);
    public List<OsFirmware> Firmware { get; } = [];
    internal List<OsResourceSet> Resources { get; } = [];
    /// <summary>The files it was read from, in load order.</summary>
    public List<string> Files { get; } = [];

    /// <summary>The parent resources and devices are inherited from: the first derives-from, else the first upgrades.</summary>
    public string? ParentId => DerivesFrom.Count > 0 ? DerivesFrom[0] : Upgrades.Count > 0 ? Upgrades[0] : null;
}

/// <summary>An OS with what it inherits resolved: what <c>GET /v1/os/{id}</c> shows and what <c>vireo create --os</c> will use.</summary>
public sealed record ResolvedOs
{
    public required OsEntry Entry { get; init; }
    /// <summary>The architecture the resources were resolved for (<c>x86_64</c>).</summary>
    public required string Arch { get; init; }
    public required OsResourceValues Minimum { get; init; }
    public required OsResourceValues Recommended { get; init; }
    public required OsResourceValues Maximum { get; init; }
    /// <summary>Short id of the OS whose resources were taken when the entry has none of its own; null when its own.</summary>
    public string? ResourcesFrom { get; init; }
    /// <summary>Every supported device id, this OS's and its ancestors' (less those it marks unsupported).</summary>
    public required IReadOnlySet<string> Devices { get; init; }
    /// <summary>Firmware types for <see cref="Arch"/> the database marks supported (<c>efi</c>) and unsupported (<c>bios</c>).</summary>
    public required IReadOnlyList<string> FirmwareSupported { get; init; }
    public required IReadOnlyList<string> FirmwareUnsupported { get; init; }

    public bool VirtioDisk => Devices.Contains(OsDevices.VirtioBlock) || Devices.Contains(OsDevices.VirtioBlockModern);
    public bool VirtioNet => Devices.Contains(OsDevices.VirtioNet) || Devices.Contains(OsDevices.VirtioNetModern);
    /// <summary>The disk bus Vireo gives this OS: virtio when it has the driver, else sata.</summary>
    public string DiskBus => VirtioDisk ? "virtio" : "sata";
    /// <summary>The NIC model Vireo gives this OS: virtio when it has the driver, else e1000e.</summary>
    public string NicModel => VirtioNet ? "virtio" : "e1000e";
}

/// <summary>The osinfo device ids Vireo looks for.</summary>
public static class OsDevices
{
    public const string VirtioNet = "http://pcisig.com/pci/1af4/1000";
    public const string VirtioBlock = "http://pcisig.com/pci/1af4/1001";
    public const string VirtioNetModern = "http://pcisig.com/pci/1af4/1041";
    public const string VirtioBlockModern = "http://pcisig.com/pci/1af4/1042";
}

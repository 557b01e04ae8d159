namespace Vireo.Contracts;

/// <summary>One operating system of the osinfo database, in <c>GET /v1/os</c> (<c>vireo os list</c>).</summary>
public sealed record OsSummary
{
    /// <summary>The main short id, what <c>vireo os info</c> takes. Example: <c>debian12</c>.</summary>
    public required string ShortId { get; init; }
    /// <summary>The osinfo id, a URL. Example: <c>http://debian.org/debian/12</c>.</summary>
    public required string Id { get; init; }
    /// <summary>The name, in English. Example: <c>Debian 12</c>.</summary>
    public string? Name { get; init; }
    /// <summary>osinfo's family: <c>linux</c>, <c>winnt</c>, <c>win9x</c>, <c>freebsd</c>...</summary>
    public string? Family { get; init; }
    /// <summary>osinfo's distro: <c>debian</c>, <c>ubuntu</c>, <c>win</c>...</summary>
    public string? Distro { get; init; }
    /// <summary>The version. Example: <c>12</c>.</summary>
    public string? Version { get; init; }
    /// <summary>YYYY-MM-DD, when the database has it.</summary>
    public string? ReleaseDate { get; init; }
    /// <summary>End of life, YYYY-MM-DD, when the database has it.</summary>
    public string? EolDate { get; init; }
}

/// <summary>CPU count, memory and disk of an OS's minimum, recommended or maximum resources; null where unknown.</summary>
public sealed record OsResources
{
    /// <summary>Virtual CPUs.</summary>
    public int? Vcpus { get; init; }
    /// <summary>Memory in bytes.</summary>
    public long? MemoryBytes { get; init; }
    /// <summary>Disk space in bytes.</summary>
    public long? DiskBytes { get; init; }
}

/// <summary><c>GET /v1/os/{id}</c> (<c>vireo os info</c>): one OS, with what it inherits, and what Vireo gives it.</summary>
public sealed record OsDetails
{
    /// <summary>The main short id. Example: <c>debian12</c>.</summary>
    public required string ShortId { get; init; }
    /// <summary>Every short id that names it (aliases: <c>debianbookworm</c>).</summary>
    public IReadOnlyList<string> ShortIds { get; init; } = [];
    /// <summary>The osinfo id, a URL. Example: <c>http://debian.org/debian/12</c>.</summary>
    public required string Id { get; init; }
    /// <summary>The name, in English. Example: <c>Debian 12</c>.</summary>
    public string? Name { get; init; }
    /// <summary>Who makes it. Example: <c>Debian Project</c>.</summary>
    public string? Vendor { get; init; }
    /// <summary>osinfo's family: <c>linux</c>, <c>winnt</c>...</summary>
    public string? Family { get; init; }
    /// <summary>osinfo's distro: <c>debian</c>, <c>win</c>...</summary>
    public string? Distro { get; init; }
    /// <summary>The version. Example: <c>12</c>.</summary>
    public string? Version { get; init; }
    /// <summary>The release's code name. Example: <c>bookworm</c>.</summary>
    public string? Codename { get; init; }
    /// <summary>YYYY-MM-DD, when the database has it.</summary>
    public string? ReleaseDate { get; init; }
    /// <summary>End of life, YYYY-MM-DD, when the database has it.</summary>
    public string? EolDate { get; init; }
    /// <summary>Short id of the OS it derives from, when the database has it.</summary>
    public string? DerivesFrom { get; init; }
    /// <summary>The architecture resources and firmware are given for (<c>x86_64</c>).</summary>
    public required string Arch { get; init; }
    /// <summary>The least the OS runs with.</summary>
    public required OsResources Minimum { get; init; }
    /// <summary>What it should have.</summary>
    public required OsResources Recommended { get; init; }
    /// <summary>The most it can use.</summary>
    public required OsResources Maximum { get; init; }
    /// <summary>Short id of the OS the resources were inherited from; null when the OS states its own.</summary>
    public string? ResourcesFrom { get; init; }
    /// <summary>Firmware types the database marks supported for <see cref="Arch"/> (<c>efi</c>); empty when it says nothing.</summary>
    public IReadOnlyList<string> Firmware { get; init; } = [];
    /// <summary>Firmware types it marks unsupported (<c>bios</c> for Windows 11).</summary>
    public IReadOnlyList<string> FirmwareUnsupported { get; init; } = [];
    /// <summary>Whether the OS has a virtio block driver (PCI 1af4:1001 or 1af4:1042).</summary>
    public bool VirtioDisk { get; init; }
    /// <summary>Whether the OS has a virtio network driver (PCI 1af4:1000 or 1af4:1041).</summary>
    public bool VirtioNet { get; init; }
    /// <summary>The disk bus Vireo would pick: <c>virtio</c>, else <c>sata</c>.</summary>
    public required string DiskBus { get; init; }
    /// <summary>The NIC model Vireo would pick: <c>virtio</c>, else <c>e1000e</c>.</summary>
    public required string NicModel { get; init; }
    /// <summary>The database files it was read from.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

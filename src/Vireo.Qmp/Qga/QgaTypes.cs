namespace Vireo.Qmp.Qga;

/// <summary>Answer of <c>guest-info</c>: the agent's version and the commands it has.</summary>
/// <param name="Version">Agent version, for example <c>7.2.0</c>.</param>
/// <param name="Commands">Names of the commands it supports and has enabled.</param>
public sealed record QgaInfo(string Version, IReadOnlyList<string> Commands);

/// <summary>Answer of <c>guest-get-osinfo</c> (fields the guest did not give are null).</summary>
public sealed record QgaOsInfo
{
    /// <summary>os-release ID, for example <c>debian</c>.</summary>
    public string? Id { get; init; }
    /// <summary>os-release NAME.</summary>
    public string? Name { get; init; }
    /// <summary>os-release PRETTY_NAME, for example <c>Debian GNU/Linux 12 (bookworm)</c>.</summary>
    public string? PrettyName { get; init; }
    /// <summary>os-release VERSION.</summary>
    public string? Version { get; init; }
    /// <summary>os-release VERSION_ID.</summary>
    public string? VersionId { get; init; }
    /// <summary>uname -r.</summary>
    public string? KernelRelease { get; init; }
    /// <summary>uname -m.</summary>
    public string? Machine { get; init; }
}

/// <summary>One interface of <c>guest-network-get-interfaces</c>.</summary>
/// <param name="Name">Interface name in the guest (eth0, enp0s2, lo).</param>
/// <param name="Mac">Hardware address, null for loopback.</param>
/// <param name="Addresses">Its addresses.</param>
public sealed record QgaInterface(string Name, string? Mac, IReadOnlyList<QgaAddress> Addresses);

/// <summary>One address of a <see cref="QgaInterface"/>.</summary>
/// <param name="Family"><c>ipv4</c> or <c>ipv6</c>.</param>
/// <param name="Address">The address, checked to parse as an IP address.</param>
/// <param name="Prefix">Prefix length.</param>
public sealed record QgaAddress(string Family, string Address, int Prefix);

/// <summary>Answer of <c>guest-exec-status</c>.</summary>
public sealed record QgaExecStatus
{
    /// <summary>Whether the process has ended; the other fields are set only then.</summary>
    public bool Exited { get; init; }
    /// <summary>Exit code, when it exited normally.</summary>
    public int? ExitCode { get; init; }
    /// <summary>Signal that ended it, when it was killed.</summary>
    public int? Signal { get; init; }
    /// <summary>Its standard output (decoded, capped).</summary>
    public byte[] Stdout { get; init; } = [];
    /// <summary>Its standard error (decoded, capped).</summary>
    public byte[] Stderr { get; init; } = [];
    /// <summary>Whether output was cut, by the agent or by the client's cap.</summary>
    public bool Truncated { get; init; }
}

/// <summary>How <c>guest-shutdown</c> stops the guest.</summary>
public enum QgaShutdownMode
{
    /// <summary>Power off.</summary>
    Powerdown,
    /// <summary>Halt without powering off.</summary>
    Halt,
    /// <summary>Reboot.</summary>
    Reboot,
}

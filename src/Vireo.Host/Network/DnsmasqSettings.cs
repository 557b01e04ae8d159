namespace Vireo.Host.Network;

/// <summary>What one network's dnsmasq (DHCP + DNS on the network's bridge) is given.</summary>
/// <param name="Network">Network name.</param>
/// <param name="Bridge">The bridge it serves (and the only interface it listens on).</param>
/// <param name="GatewayAddress">The bridge's own address: the guests' router (nat) and DNS server.</param>
/// <param name="RangeStart">First address handed out.</param>
/// <param name="RangeEnd">Last address handed out.</param>
/// <param name="PrefixLength">Subnet prefix length (24 for a /24).</param>
/// <param name="Domain">DNS domain of the guests, e.g. "vireo.internal".</param>
/// <param name="Directory">The network's state directory (STATE/networks/NAME): config, pid file, leases, hosts.</param>
/// <param name="Isolated">Isolated networks get no default route and no upstream DNS.</param>
public sealed record DnsmasqSettings(string Network, string Bridge, string GatewayAddress, string RangeStart, string RangeEnd,
    int PrefixLength, string Domain, string Directory, bool Isolated)
{
    /// <summary>DIR/dnsmasq.conf.</summary>
    public string ConfigFile => DnsmasqPaths.Config(Directory);

    /// <summary>DIR/leases.</summary>
    public string LeaseFile => DnsmasqPaths.Leases(Directory);

    /// <summary>DIR/hosts (DHCP reservations).</summary>
    public string HostsFile => DnsmasqPaths.Hosts(Directory);
}

/// <summary>The files of one network's dnsmasq, all inside its state directory.</summary>
public static class DnsmasqPaths
{
    /// <summary>The configuration dnsmasq is started with.</summary>
    public static string Config(string directory) => Path.Combine(directory, "dnsmasq.conf");

    /// <summary>dnsmasq's pid file.</summary>
    public static string Pid(string directory) => Path.Combine(directory, "dnsmasq.pid");

    /// <summary>The DHCP lease database dnsmasq maintains.</summary>
    public static string Leases(string directory) => Path.Combine(directory, "leases");

    /// <summary>DHCP reservations (dhcp-hostsfile: MAC,address,hostname), re-read on SIGHUP.</summary>
    public static string Hosts(string directory) => Path.Combine(directory, "hosts");

    /// <summary>Extra DNS names (addn-hosts, /etc/hosts format), re-read on SIGHUP.</summary>
    public static string AddnHosts(string directory) => Path.Combine(directory, "addnhosts");
}

/// <summary>One DHCP lease from dnsmasq's lease file.</summary>
/// <param name="Expires">When it ends; <see cref="DateTimeOffset.MaxValue"/> for an infinite lease.</param>
/// <param name="Mac">Client MAC address (lower case).</param>
/// <param name="Address">Leased IPv4 address.</param>
/// <param name="Hostname">The hostname the client sent, if any.</param>
public sealed record DhcpLease(DateTimeOffset Expires, string Mac, string Address, string? Hostname);

namespace Vireo.Host.Network;

/// <summary>Everything Vireo's own nftables table must do: the NAT/isolated networks and their port forwards.</summary>
/// <param name="Networks">Networks with a Vireo-owned bridge (nat and isolated; bridged and user networks have none).</param>
/// <param name="Forwards">Port forwards to guests' current addresses.</param>
public sealed record FirewallModel(IReadOnlyList<FirewallNetwork> Networks, IReadOnlyList<FirewallForward> Forwards)
{
    /// <summary>No networks, no forwards: the table exists but does nothing.</summary>
    public static FirewallModel Empty { get; } = new([], []);

    /// <summary>
    /// The bridges whose forwards the host reaches through 127.0.0.1 (a forward on every address, or on a loopback
    /// address): they need <c>net.ipv4.conf.BRIDGE.route_localnet=1</c>, the others must have 0. Sorted, no duplicates.
    /// </summary>
    public IReadOnlyList<string> LocalnetBridges() =>
        Forwards.Where(f => f.HostAddress is null || IsLoopback(f.HostAddress))
            .Select(f => f.Bridge).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>True for an address in 127.0.0.0/8.</summary>
    public static bool IsLoopback(string address) =>
        System.Net.IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
        && ip.GetAddressBytes()[0] == 127;
}

/// <summary>One network behind a Vireo bridge.</summary>
/// <param name="Name">Network name (used in rule comments).</param>
/// <param name="Bridge">The network's bridge interface.</param>
/// <param name="Subnet">IPv4 subnet in CIDR notation, e.g. "192.168.122.0/24".</param>
/// <param name="Masquerade">True for nat networks (out to the world, masqueraded); false for isolated ones.</param>
public sealed record FirewallNetwork(string Name, string Bridge, string Subnet, bool Masquerade);

/// <summary>A port forward: host port → guest address and port (DNAT).</summary>
/// <param name="Network">The guest's network name.</param>
/// <param name="Protocol">"tcp" or "udp".</param>
/// <param name="HostAddress">Only this host address; null for every address of the host.</param>
/// <param name="HostPort">Port on the host.</param>
/// <param name="GuestAddress">The guest's current IPv4 address.</param>
/// <param name="GuestPort">Port in the guest.</param>
/// <param name="Bridge">The guest network's bridge.</param>
/// <param name="Subnet">The guest network's subnet (CIDR).</param>
public sealed record FirewallForward(string Network, string Protocol, string? HostAddress, int HostPort, string GuestAddress,
    int GuestPort, string Bridge, string Subnet);

/// <summary>A base chain of another program (firewalld, Docker, iptables-nft...) that drops forwarded traffic by policy.</summary>
/// <param name="Family">nftables family: "ip", "ip6" or "inet".</param>
/// <param name="Table">Table name.</param>
/// <param name="Chain">Chain name.</param>
public sealed record ForeignForwardChain(string Family, string Table, string Chain);

namespace Vireo.Host.Uplink;

/// <summary>One address on an interface, as <c>ip -j addr show</c> reports it.</summary>
/// <param name="Family"><c>inet</c> or <c>inet6</c>.</param>
/// <param name="Local">The address.</param>
/// <param name="PrefixLength">Prefix length.</param>
/// <param name="Peer">Peer address of a point-to-point address; null otherwise.</param>
/// <param name="Broadcast">IPv4 broadcast address; null when none.</param>
/// <param name="Scope"><c>global</c>, <c>link</c>, <c>host</c> or <c>site</c>.</param>
/// <param name="Label">IPv4 label (<c>ens33</c>, <c>ens33:1</c>); null for IPv6.</param>
/// <param name="Dynamic">The address has a finite lifetime: DHCP (IPv4) or autoconfiguration (IPv6) owns it.</param>
/// <param name="NoPrefixRoute">The kernel adds no prefix route for it (its manager adds one itself).</param>
/// <param name="Metric">Metric of the prefix route the kernel adds; null for the default.</param>
/// <param name="ValidLifetime">Remaining valid lifetime in seconds; null when forever.</param>
/// <param name="PreferredLifetime">Remaining preferred lifetime in seconds; null when forever.</param>
public sealed record NicAddress(
    string Family, string Local, int PrefixLength, string? Peer, string? Broadcast, string Scope, string? Label,
    bool Dynamic, bool NoPrefixRoute, int? Metric, long? ValidLifetime, long? PreferredLifetime)
{
    /// <summary><c>ADDRESS/PREFIX</c>.</summary>
    public string Cidr => $"{Local}/{PrefixLength}";

    /// <summary>True for IPv4.</summary>
    public bool IsIPv4 => Family == "inet";

    /// <summary>Everything that must be equal after a rollback (lifetimes count down, so they are left out).</summary>
    public string Identity =>
        $"{Family} {(Peer is null ? Cidr : $"{Local} peer {Peer}/{PrefixLength}")} brd {Broadcast ?? "-"} scope {Scope} " +
        $"label {Label ?? "-"} {(Dynamic ? "dynamic" : "permanent")}{(NoPrefixRoute ? " noprefixroute" : "")} metric {Metric?.ToString() ?? "-"}";
}

/// <summary>One route through an interface, as <c>ip -j route show table all dev NIC</c> reports it.</summary>
/// <param name="Family"><c>inet</c> or <c>inet6</c>.</param>
/// <param name="Type"><c>unicast</c>, <c>local</c>, <c>broadcast</c>, <c>multicast</c>...</param>
/// <param name="Destination"><c>default</c> or a prefix.</param>
/// <param name="Gateway">Next hop; null for an on-link route.</param>
/// <param name="Table"><c>main</c>, <c>local</c> or a table number.</param>
/// <param name="Protocol"><c>boot</c> (added by hand or a script), <c>kernel</c>, <c>dhcp</c>, <c>static</c>, <c>ra</c>...</param>
/// <param name="Scope"><c>global</c> (universe), <c>link</c> or <c>host</c>.</param>
/// <param name="Metric">Metric (priority); null when 0/unset.</param>
/// <param name="PreferredSource">Preferred source address; null when none.</param>
/// <param name="OnLink">The <c>onlink</c> flag (gateway reachable without a covering prefix).</param>
/// <param name="Expires">The route has an expiry (router advertisements, DHCPv6).</param>
/// <param name="Multipath">The route has several next hops or uses a nexthop object.</param>
public sealed record NicRoute(
    string Family, string Type, string Destination, string? Gateway, string Table, string Protocol, string Scope,
    int? Metric, string? PreferredSource, bool OnLink, bool Expires, bool Multipath)
{
    /// <summary>Type of service (<c>tos 0x10</c>); null when 0. A route with a TOS is another route to the kernel.</summary>
    public string? Tos { get; init; }

    /// <summary>Route metrics as <c>ip route</c> options (<c>mtu 1400 advmss 1360</c>); empty when none.</summary>
    public string Metrics { get; init; } = "";

    /// <summary>Attributes Vireo cannot reproduce (locked metrics, features...); null when none.</summary>
    public string? Unsupported { get; init; }

    /// <summary>True when the kernel made the route (prefix and local routes), so it follows its address.</summary>
    public bool IsKernel => Protocol == "kernel" || Table == "local" || Type is not "unicast";

    /// <summary>A short text like <c>default via 198.51.100.1 metric 100</c>.</summary>
    public string Describe() =>
        $"{Destination}{(Gateway is null ? "" : $" via {Gateway}")}{(Metric is null ? "" : $" metric {Metric}")}" +
        $"{(Table == "main" ? "" : $" table {Table}")}{(Protocol is "boot" or "kernel" ? "" : $" proto {Protocol}")}";

    /// <summary>Everything that must be equal after a rollback.</summary>
    public string Identity =>
        $"{Family} {Type} {Destination} via {Gateway ?? "-"} table {Table} proto {Protocol} scope {Scope} " +
        $"metric {Metric?.ToString() ?? "-"} src {PreferredSource ?? "-"}{(OnLink ? " onlink" : "")} tos {Tos ?? "-"} {Metrics}".TrimEnd();
}

/// <summary>The state of a NIC that a conversion changes and a rollback must restore.</summary>
/// <param name="Name">Interface name.</param>
/// <param name="Mac">Link-layer address.</param>
/// <param name="Mtu">MTU.</param>
/// <param name="Up">Administratively up.</param>
/// <param name="Master">The bridge or bond it is enslaved to; null when none.</param>
/// <param name="Kind">Link kind (<c>veth</c>, <c>bond</c>, <c>vlan</c>...); null for a plain NIC.</param>
/// <param name="LinkType"><c>ether</c>, <c>loopback</c>, <c>none</c>...</param>
/// <param name="Addresses">Its addresses, both families.</param>
/// <param name="Routes">Routes through it, every table, both families.</param>
public sealed record NicSnapshot(
    string Name, string Mac, int Mtu, bool Up, string? Master, string? Kind, string LinkType,
    IReadOnlyList<NicAddress> Addresses, IReadOnlyList<NicRoute> Routes)
{
    /// <summary>
    /// How <paramref name="now"/> differs from this snapshot, one line per difference (empty: identical). Lifetimes
    /// and transient flags (tentative, linkdown) are not compared: they change by themselves.
    /// </summary>
    public IReadOnlyList<string> DifferencesTo(NicSnapshot now)
    {
        var d = new List<string>();
        if (now.Name != Name) d.Add($"name: was {Name}, now {now.Name}");
        if (!string.Equals(now.Mac, Mac, StringComparison.OrdinalIgnoreCase)) d.Add($"MAC: was {Mac}, now {now.Mac}");
        if (now.Mtu != Mtu) d.Add($"MTU: was {Mtu}, now {now.Mtu}");
        if (now.Up != Up) d.Add($"state: was {(Up ? "up" : "down")}, now {(now.Up ? "up" : "down")}");
        if (now.Master != Master) d.Add($"master: was {Master ?? "none"}, now {now.Master ?? "none"}");
        Compare("address", Addresses.Select(a => a.Identity), now.Addresses.Select(a => a.Identity), d);
        Compare("route", Routes.Select(r => r.Identity), now.Routes.Select(r => r.Identity), d);
        return d;
    }

    private static void Compare(string what, IEnumerable<string> before, IEnumerable<string> after, List<string> d)
    {
        // As multisets: a route twice where it was once is a difference too.
        var b = before.CountBy(x => x).ToDictionary(StringComparer.Ordinal);
        var a = after.CountBy(x => x).ToDictionary(StringComparer.Ordinal);
        foreach (var (key, n) in b.OrderBy(x => x.Key, StringComparer.Ordinal))
            for (var i = a.GetValueOrDefault(key); i < n; i++) d.Add($"{what} missing: {key}");
        foreach (var (key, n) in a.OrderBy(x => x.Key, StringComparer.Ordinal))
            for (var i = b.GetValueOrDefault(key); i < n; i++) d.Add($"{what} extra: {key}");
    }
}

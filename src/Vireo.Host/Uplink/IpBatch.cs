namespace Vireo.Host.Uplink;

/// <summary>
/// The <c>ip</c> commands (argv without the program name) that move a NIC's addresses and routes into a bridge and
/// back. Apply runs as one <c>ip -batch</c> (stops at the first error); rollback as one <c>ip -force -batch</c>
/// (runs every line whatever fails) and uses <c>replace</c>/<c>append</c> so it works from any half-applied state.
/// </summary>
internal static class IpBatch
{
    public static List<IReadOnlyList<string>> Apply(NicSnapshot nic, string bridge, IReadOnlyList<NicAddress> addresses,
        IReadOnlyList<NicRoute> routes)
    {
        List<IReadOnlyList<string>> lines =
        [
            // The NIC's MAC: a Linux bridge otherwise takes the lowest port MAC, which changes as taps join, and the
            // LAN's ARP caches and DHCP leases are keyed on the MAC. STP off and forward delay 0: a port of a bridge
            // with STP forwards at once, where STP would hold it in listening/learning for 2 x 15 s.
            ["link", "add", "name", bridge, "address", nic.Mac, "mtu", nic.Mtu.ToString(), "type", "bridge",
                "stp_state", "0", "forward_delay", "0"],
            ["link", "set", "dev", bridge, "up"],
            ["link", "set", "dev", nic.Name, "master", bridge],
        ];
        // Routes first: once the last IPv4 address of a device goes, the kernel flushes its routes by itself, and an
        // explicit delete of a route that is already gone would stop the batch.
        foreach (var r in routes) lines.Add(["route", "del", .. RouteSpec(r), "dev", nic.Name]);
        // Secondaries before the primary: deleting a primary takes its secondaries with it.
        foreach (var a in addresses.Reverse()) lines.Add(["addr", "del", a.Cidr, "dev", nic.Name]);
        // On the bridge the addresses are permanent: a DHCP lifetime would make the address vanish when the lease
        // ends, since the DHCP client still watches the NIC (the plan says so).
        foreach (var a in addresses) lines.Add(["addr", "add", .. AddressSpec(a, nic.Name, bridge, lifetimes: false), "dev", bridge]);
        // Routes need their gateway on an up device with an address, so they come last.
        foreach (var r in routes) lines.Add(["route", AddVerb(r), .. RouteSpec(r), "dev", bridge]);
        return lines;
    }

    public static List<IReadOnlyList<string>> Rollback(NicSnapshot nic, string bridge, IReadOnlyList<NicAddress> addresses,
        IReadOnlyList<NicRoute> routes)
    {
        List<IReadOnlyList<string>> lines =
        [
            ["link", "set", "dev", nic.Name, "nomaster"],
            // Deleting the bridge takes its addresses and routes with it.
            ["link", "del", "dev", bridge],
        ];
        foreach (var a in addresses) lines.Add(["addr", "replace", .. AddressSpec(a, nic.Name, nic.Name, lifetimes: true), "dev", nic.Name]);
        lines.Add(["link", "set", "dev", nic.Name, nic.Up ? "up" : "down"]);
        foreach (var r in routes) lines.Add(["route", AddVerb(r), .. RouteSpec(r), "dev", nic.Name]);
        return lines;
    }

    // IPv4 `append` adds a route even when another device has one for the same prefix and metric (where `add` says
    // "File exists" and `replace` would take that other device's route over), and still refuses an exact duplicate,
    // which a rollback under -force shrugs off. IPv6 `append` would merge same-prefix routes into one multipath route,
    // so IPv6 uses `add`.
    private static string AddVerb(NicRoute r) => r.Family == "inet" ? "append" : "add";

    /// <summary>The text of a batch file: one command per line (names and addresses never contain blanks).</summary>
    public static string ToBatchText(IEnumerable<IReadOnlyList<string>> lines) =>
        string.Concat(lines.Select(l => string.Join(' ', l) + "\n"));

    public static List<string> AddressSpec(NicAddress a, string nic, string device, bool lifetimes)
    {
        var s = new List<string>();
        if (a.Peer is null) s.Add(a.Cidr);
        else s.AddRange([a.Local, "peer", $"{a.Peer}/{a.PrefixLength}"]);
        if (a.Broadcast is not null) s.AddRange(["broadcast", a.Broadcast]);
        s.AddRange(["scope", a.Scope]);
        if (a.IsIPv4 && Relabel(a.Label, nic, device) is { } label) s.AddRange(["label", label]);
        if (a.NoPrefixRoute) s.Add("noprefixroute");
        if (a.Metric is { } m) s.AddRange(["metric", m.ToString()]);
        if (lifetimes && a.Dynamic)
        {
            s.AddRange(["valid_lft", (a.ValidLifetime?.ToString() ?? "forever")]);
            s.AddRange(["preferred_lft", (a.PreferredLifetime?.ToString() ?? "forever")]);
        }
        return s;
    }

    public static List<string> RouteSpec(NicRoute r)
    {
        var s = new List<string>();
        if (r.Type != "unicast") s.Add(r.Type);
        // In a batch line there is no -6 option; an explicit ::/0 tells ip the family of an IPv6 default route.
        s.Add(r.Destination == "default" && r.Family == "inet6" ? "::/0" : r.Destination);
        if (r.Gateway is not null) s.AddRange(["via", r.Gateway]);
        if (r.Table != "main") s.AddRange(["table", r.Table]);
        if (r.Protocol != "boot") s.AddRange(["proto", r.Protocol]);
        if (r.Scope != "global") s.AddRange(["scope", r.Scope]);
        if (r.Metric is { } m) s.AddRange(["metric", m.ToString()]);
        if (r.PreferredSource is not null) s.AddRange(["src", r.PreferredSource]);
        if (r.Tos is not null) s.AddRange(["tos", r.Tos]);
        if (r.Metrics.Length > 0) s.AddRange(r.Metrics.Split(' '));
        if (r.OnLink) s.Add("onlink");
        return s;
    }

    // An IPv4 label must start with its device's name: ens33 -> br0, ens33:1 -> br0:1.
    private static string? Relabel(string? label, string from, string to)
    {
        if (label is null) return null;
        if (label == from) return to;
        return label.StartsWith(from + ":", StringComparison.Ordinal) ? to + label[from.Length..] : null;
    }
}

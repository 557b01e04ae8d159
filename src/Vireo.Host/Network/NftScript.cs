using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Vireo.Host.Network;

/// <summary>Renders Vireo's nftables table (see <see cref="NftFirewall.Render"/>).</summary>
internal static partial class NftScript
{
    // Names end up inside nft's own language; anything outside these shapes could inject rules, so it is refused.
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")] private static partial Regex InterfaceName();
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")] private static partial Regex PlainName();

    public static string Render(FirewallModel model, string table)
    {
        Check(PlainName(), table, "table name");
        var networks = model.Networks.Select(n => (n.Name, n.Bridge, Subnet: Network(n.Subnet), n.Masquerade)).ToList();
        foreach (var n in networks) { Check(PlainName(), n.Name, "network name"); Check(InterfaceName(), n.Bridge, "bridge name"); }

        // Forwards answer from outside (prerouting) and from the host itself (output: locally generated packets never
        // pass prerouting). A loopback host address is the host's alone, so its forward has no prerouting rule, and the
        // wildcard's prerouting rule leaves 127.0.0.0/8 out: a LAN packet to 127.0.0.1 (a martian) is never DNATed.
        var dnatIn = new List<string>();
        var dnatOut = new List<string>();
        var hairpin = new SortedSet<(string Bridge, string Subnet)>();
        foreach (var f in model.Forwards)
        {
            Check(PlainName(), f.Network, "network name");
            Check(InterfaceName(), f.Bridge, "bridge name");
            if (f.Protocol is not ("tcp" or "udp")) throw new ArgumentException($"forward protocol must be tcp or udp, not '{f.Protocol}'");
            Port(f.HostPort); Port(f.GuestPort);
            var target = $"{f.Protocol} dport {f.HostPort} dnat to {Address(f.GuestAddress)}:{f.GuestPort} comment \"{f.Network} {f.Protocol} {f.HostPort}\"";
            if (f.HostAddress is null)
            {
                // Without a host address a forward takes every local address of the host (fib: "is this address mine?").
                dnatIn.Add($"fib daddr type local ip daddr != {Loopback} {target}");
                dnatOut.Add($"fib daddr type local {target}");
            }
            else
            {
                if (!FirewallModel.IsLoopback(f.HostAddress))
                    dnatIn.Add($"ip daddr {Address(f.HostAddress)} {target}");
                dnatOut.Add($"ip daddr {Address(f.HostAddress)} {target}");
            }
            hairpin.Add((f.Bridge, Network(f.Subnet)));
        }

        var post = new List<string>();
        foreach (var bridge in model.LocalnetBridges())
            // The host's own connection to 127.0.0.1:PORT leaves, after the output DNAT, with source 127.0.0.1, which the
            // guest cannot answer: it gets the bridge's address instead (the kernel routes it at all only because the
            // bridge has route_localnet=1, see NftFirewall.ApplyAsync). Docker does the same without its userland proxy.
            post.Add($"oifname \"{bridge}\" ip saddr {Loopback} ct status dnat masquerade");
        foreach (var (bridge, subnet) in hairpin)
            // Hairpin: a guest that reaches a forward of its own network would get the answer straight from the other
            // guest (same L2), from an address it never spoke to; masquerading makes the reply come back through us.
            post.Add($"oifname \"{bridge}\" ip saddr {subnet} ct status dnat masquerade");
        foreach (var n in networks.Where(n => n.Masquerade))
        {
            // Like libvirt: multicast and broadcast leave the subnet unmodified (they are not routed to the world).
            post.Add($"ip saddr {n.Subnet} ip daddr 224.0.0.0/24 return");
            post.Add($"ip saddr {n.Subnet} ip daddr 255.255.255.255 return");
            // Unprivileged source ports, as libvirt does: some peers treat a source port below 1024 as trusted.
            post.Add($"ip saddr {n.Subnet} ip daddr != {n.Subnet} meta l4proto {{ tcp, udp }} masquerade to :1024-65535");
            post.Add($"ip saddr {n.Subnet} ip daddr != {n.Subnet} masquerade");
        }

        // Order as libvirt's LIBVIRT_FWX, FWI, FWO: accepts within a bridge first, then traffic into each bridge, then
        // traffic out of each. A reject is final, so traffic between two Vireo networks is refused by the second's
        // "into" rules before the first's "out" accept could matter.
        var forward = new List<string>();
        foreach (var n in networks)
            forward.Add($"iifname \"{n.Bridge}\" oifname \"{n.Bridge}\" accept");
        foreach (var n in networks)
        {
            if (n.Masquerade)
            {
                forward.Add($"oifname \"{n.Bridge}\" ip daddr {n.Subnet} ct status dnat accept");
                forward.Add($"oifname \"{n.Bridge}\" ip daddr {n.Subnet} ct state established,related accept");
            }
            forward.Add($"oifname \"{n.Bridge}\" reject with icmp type port-unreachable");
        }
        foreach (var n in networks)
        {
            if (n.Masquerade) forward.Add($"iifname \"{n.Bridge}\" ip saddr {n.Subnet} accept");
            forward.Add($"iifname \"{n.Bridge}\" reject with icmp type port-unreachable");
        }

        // route_localnet=1 would also let a guest reach the host's 127.0.0.1 services by sending to 127.0.0.1 through
        // the bridge (CVE-2020-8558 in kube-proxy). Nothing legitimate arrives on a Vireo bridge for 127.0.0.0/8: such
        // packets are dropped before routing, on every bridge, whether or not route_localnet is on just now. (The
        // replies of forwarded loopback connections arrive for the bridge's address and are only rewritten to
        // 127.0.0.1 later, by conntrack, so they pass.)
        var guard = networks.Select(n => $"iifname \"{n.Bridge}\" ip daddr {Loopback} drop").ToList();

        var s = new StringBuilder();
        s.Append("# Vireo's own table, rewritten as a whole by vireod; do not edit (changes are lost).\n");
        // Declaring the table first makes the delete succeed when it does not exist yet; the three statements are one
        // transaction, so the old table stays untouched when anything in the new one is refused.
        s.Append($"table ip {table} {{}}\n");
        s.Append($"delete table ip {table}\n");
        s.Append($"table ip {table} {{\n");
        var chains = new List<(string Name, string Header, List<string> Rules)>
        {
            ("localnet_guard", "type filter hook prerouting priority raw; policy accept;", guard),
            ("prerouting", "type nat hook prerouting priority dstnat; policy accept;", dnatIn),
            // Locally generated connections to a forwarded port (the host itself using host:port) never pass
            // prerouting. -100 is dstnat's value; nft 1.0.6 accepts the name only at the prerouting hook.
            ("output", "type nat hook output priority -100; policy accept;", dnatOut),
            ("postrouting", "type nat hook postrouting priority srcnat; policy accept;", post),
            // Policy accept: this table rules only traffic that touches Vireo's bridges; the host's own firewall decides
            // the rest.
            ("forward", "type filter hook forward priority filter; policy accept;", forward),
        };
        var first = true;
        foreach (var (name, header, rules) in chains.Where(c => c.Rules.Count > 0))
        {
            if (!first) s.Append('\n');
            first = false;
            s.Append($"\tchain {name} {{\n\t\t{header}\n");
            foreach (var rule in rules) s.Append($"\t\t{rule}\n");
            s.Append("\t}\n");
        }
        s.Append("}\n");
        return s.ToString();
    }

    private const string Loopback = "127.0.0.0/8";

    /// <summary>Returns <paramref name="name"/> when it is a plain interface name; throws otherwise.</summary>
    internal static string CheckedInterface(string name)
    {
        Check(InterfaceName(), name, "bridge name");
        return name;
    }

    private static void Check(Regex shape, string value, string what)
    {
        if (!shape.IsMatch(value)) throw new ArgumentException($"{what} '{value}' cannot be used in an nftables rule");
    }

    private static void Port(int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentException($"port {port} is outside 1-65535");
    }

    private static string Address(string text)
    {
        var (address, prefix) = Cidr.Parse(text);
        return prefix == 32 ? address.ToString() : throw new ArgumentException($"'{text}' is not a single IPv4 address");
    }

    /// <summary>The subnet's network address and prefix ("192.168.122.1/24" → "192.168.122.0/24").</summary>
    internal static string Network(string cidr)
    {
        var (address, prefix) = Cidr.Parse(cidr);
        var bits = BitConverter.ToUInt32(address.GetAddressBytes().Reverse().ToArray());
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var network = BitConverter.GetBytes(bits & mask).Reverse().ToArray();
        return $"{new IPAddress(network)}/{prefix.ToString(CultureInfo.InvariantCulture)}";
    }
}

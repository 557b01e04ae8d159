namespace Vireo.Host.Uplink.Persistence;

/// <summary>
/// Rewrites the ifupdown file that configures the NIC (interfaces(5)): the NIC's <c>inet</c> stanza becomes
/// <c>inet manual</c> and a bridge stanza with <c>bridge_ports NIC</c> (bridge-utils' ifupdown hook) follows it,
/// with the live addresses and gateway. Everything else in the file is kept byte for byte.
/// </summary>
internal static class IfupdownRenderer
{
    // Lines that start a new stanza (interfaces(5)); every other non-comment line is an option of the last iface.
    private static readonly HashSet<string> StanzaWords =
        ["iface", "auto", "mapping", "source", "source-directory", "no-auto-down", "no-scripts", "rename"];

    // Options the bridge stanza re-renders from the live state, so the NIC's copies go.
    private static readonly HashSet<string> Replaced =
        ["address", "netmask", "gateway", "broadcast", "network", "pointopoint", "hwaddress", "metric"];

    public static bool Configures(string text, string nic) =>
        Lines(text).Any(l => Words(l) is ["iface", var name, ..] && name == nic);

    public static string Render(string text, PersistModel m)
    {
        var lines = Lines(text).ToList();
        var output = new List<string>();
        var bridgeWritten = false;
        var hasInet6Stanza = lines.Any(l => Words(l) is ["iface", var n, "inet6", ..] && n == m.Nic);
        for (var i = 0; i < lines.Count; i++)
        {
            var words = Words(lines[i]);
            if (words is ["iface", var name, "inet6", ..] && name == m.Nic)
            {
                // The IPv6 configuration belongs to the bridge now, as it is, options and all.
                output.Add(lines[i].Replace($"iface {m.Nic} ", $"iface {m.Bridge} ", StringComparison.Ordinal));
                continue;
            }
            if (words is not ["iface", var nic, "inet", ..] || nic != m.Nic || bridgeWritten)
            {
                output.Add(lines[i]);
                continue;
            }
            var end = i + 1;
            while (end < lines.Count && !StartsStanza(lines[end])) end++;
            while (end > i + 1 && IsBlankOrComment(lines[end - 1])) end--;
            var options = lines.Skip(i + 1).Take(end - i - 1).Where(l => !IsBlankOrComment(l)).Select(l => l.Trim()).ToList();
            output.AddRange(NicStanza(m, options));
            output.Add("");
            output.AddRange(BridgeStanzas(m, options, renderV6: !hasInet6Stanza));
            bridgeWritten = true;
            i = end - 1;
        }
        if (!bridgeWritten)
        {
            output.Add("");
            output.AddRange(NicStanza(m, []));
            output.Add("");
            output.AddRange(BridgeStanzas(m, [], renderV6: !hasInet6Stanza));
        }
        return string.Join('\n', output).TrimEnd('\n') + "\n";
    }

    private static List<string> NicStanza(PersistModel m, List<string> options)
    {
        var s = new List<string> { $"# {m.Nic} is a port of {m.Bridge} (vireo net bridge-uplink); the bridge carries its addresses.", $"iface {m.Nic} inet manual" };
        var kept = options.Where(o => !Replaced.Contains(Key(o)) && !Key(o).StartsWith("dns-", StringComparison.Ordinal)).ToList();
        foreach (var o in kept.Where(o => Key(o) == "mtu")) s.Add($"    {o}");
        var other = kept.Where(o => Key(o) != "mtu").ToList();
        if (other.Count > 0)
        {
            s.Add($"    # vireo: kept with {m.Nic} as they were; move any that configure addresses or routes to {m.Bridge}");
            s.AddRange(other.Select(o => $"    {o}"));
        }
        return s;
    }

    private static List<string> BridgeStanzas(PersistModel m, List<string> nicOptions, bool renderV6)
    {
        var s = new List<string> { $"auto {m.Bridge}" };
        var extra = m.StaticV4.ToList();
        if (m.Dhcp4) s.Add($"iface {m.Bridge} inet dhcp");
        else
        {
            s.Add($"iface {m.Bridge} inet static");
            if (extra.Count > 0) { s.Add($"    address {extra[0]}"); extra.RemoveAt(0); }
            if (m.Gateway4 is not null) s.Add($"    gateway {m.Gateway4}");
            if (m.Gateway4Metric is { } metric) s.Add($"    metric {metric}");
        }
        s.AddRange(nicOptions.Where(o => Key(o).StartsWith("dns-", StringComparison.Ordinal) || Key(o) == "mtu").Select(o => $"    {o}"));
        // The MAC the LAN knows (DHCP leases, ARP caches); bridge-utils would otherwise copy it from a port anyway,
        // but not from the right one once taps join.
        s.Add($"    hwaddress ether {m.Mac}");
        s.Add($"    bridge_ports {m.Nic}");
        s.Add("    bridge_stp off");
        s.Add("    bridge_fd 0");
        s.Add("    bridge_maxwait 0");
        foreach (var r in m.Routes4)
            s.Add($"    up ip route add {r.Destination}{(r.Gateway is null ? "" : $" via {r.Gateway}")} dev {m.Bridge}" +
                  $"{(r.Metric is { } rm ? $" metric {rm}" : "")}{(r.Protocol is "boot" or "kernel" ? "" : $" proto {r.Protocol}")}");
        // interfaces(5): several iface stanzas for one interface add their addresses in turn.
        foreach (var a in extra) s.AddRange(["", $"iface {m.Bridge} inet static", $"    address {a}"]);
        if (renderV6)
        {
            var gw6 = m.Gateway6;
            foreach (var a in m.StaticV6)
            {
                s.AddRange(["", $"iface {m.Bridge} inet6 static", $"    address {a}"]);
                if (gw6 is not null) { s.Add($"    gateway {gw6}"); gw6 = null; }
            }
        }
        return s;
    }

    private static IEnumerable<string> Lines(string text) => text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    private static string[] Words(string line) =>
        IsBlankOrComment(line) ? [] : line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static string Key(string option) => option.Split([' ', '\t'], 2)[0];

    private static bool StartsStanza(string line) =>
        Words(line) is [var first, ..] && (StanzaWords.Contains(first) || first.StartsWith("allow-", StringComparison.Ordinal));

    private static bool IsBlankOrComment(string line) => line.TrimStart() is "" or ['#', ..];
}

using System.Net;
using System.Text;

namespace Vireo.Host.Network;

/// <summary>Renders a network's dnsmasq.conf, modelled on the one libvirt writes for its networks.</summary>
public static class DnsmasqConfig
{
    /// <summary>The complete configuration file for <paramref name="s"/>.</summary>
    public static string Render(DnsmasqSettings s)
    {
        foreach (var (what, value) in new[] { ("network", s.Network), ("bridge", s.Bridge), ("domain", s.Domain), ("directory", s.Directory) })
            if (value.Length == 0 || value.Any(c => char.IsControl(c) || c == ',' || (what != "directory" && c is ' ' or '/')))
                throw new ArgumentException($"dnsmasq {what} '{value}' cannot be written into dnsmasq.conf");
        var start = Address(s.RangeStart);
        var end = Address(s.RangeEnd);
        Address(s.GatewayAddress);
        if (s.PrefixLength is < 8 or > 30) throw new ArgumentException($"prefix length {s.PrefixLength} is not usable for DHCP");
        var size = (long)end - start + 1;
        if (size < 1) throw new ArgumentException($"DHCP range {s.RangeStart}-{s.RangeEnd} is empty");

        var c = new StringBuilder();
        c.Append($"# dnsmasq for Vireo network {s.Network}; written by vireod on every start, do not edit.\n");
        // Ask upstream servers in the order resolv.conf lists them, as libvirt does.
        c.Append("strict-order\n");
        c.Append($"pid-file={DnsmasqPaths.Pid(s.Directory)}\n");
        // dnsmasq-base has no "dnsmasq" user to drop to (the default of Debian's build), and the unprivileged
        // "nobody" could not re-read the reservations in a root-only state directory on SIGHUP; libvirt makes a
        // dedicated user for this. Sockets and files are bound to this network only, see bind-dynamic below.
        c.Append("user=root\n");
        // Only the bridge: never answer DHCP or DNS on the host's other interfaces. bind-dynamic binds to the bridge's
        // address itself (not the wildcard), so several networks' dnsmasqs and the host's own resolver coexist, and it
        // follows the bridge going down and up.
        c.Append("except-interface=lo\n");
        c.Append("bind-dynamic\n");
        c.Append($"interface={s.Bridge}\n");
        if (s.Isolated)
            // An isolated network has no way out, so no upstream DNS either: only local names are answered.
            c.Append("no-resolv\n");
        c.Append($"domain={s.Domain}\n");
        // Names in our domain are answered from the leases and hosts only, never forwarded upstream.
        c.Append($"local=/{s.Domain}/\n");
        c.Append("expand-hosts\n");
        c.Append($"dhcp-range={s.RangeStart},{s.RangeEnd},{Netmask(s.PrefixLength)}\n");
        // Keep the BOOTP server/file fields for what they are (PXE) instead of reusing them as option space; some
        // clients misread them otherwise. libvirt sets it too.
        c.Append("dhcp-no-override\n");
        // We are the only DHCP server on this bridge: answer clients whose lease we forgot (e.g. lost lease file)
        // at once instead of making them time out.
        c.Append("dhcp-authoritative\n");
        c.Append($"dhcp-lease-max={size}\n");
        c.Append($"dhcp-leasefile={DnsmasqPaths.Leases(s.Directory)}\n");
        c.Append($"dhcp-hostsfile={DnsmasqPaths.Hosts(s.Directory)}\n");
        c.Append($"addn-hosts={DnsmasqPaths.AddnHosts(s.Directory)}\n");
        if (s.Isolated)
            // An empty router option: guests get no default route, since the network leads nowhere.
            c.Append("dhcp-option=3\n");
        return c.ToString();
    }

    private static uint Address(string text)
    {
        if (!IPAddress.TryParse(text, out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException($"'{text}' is not an IPv4 address");
        var b = a.GetAddressBytes();
        return (uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3];
    }

    private static string Netmask(int prefix)
    {
        var mask = uint.MaxValue << (32 - prefix);
        return $"{mask >> 24}.{(mask >> 16) & 255}.{(mask >> 8) & 255}.{mask & 255}";
    }
}

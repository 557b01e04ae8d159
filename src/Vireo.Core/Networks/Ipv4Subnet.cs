using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Vireo.Core.Networks;

/// <summary>An IPv4 subnet in CIDR form, with the addresses a Vireo network takes from it.</summary>
public readonly record struct Ipv4Subnet(uint Network, int Prefix)
{
    /// <summary>The netmask as a 32-bit number.</summary>
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);

    /// <summary>Number of addresses, network and broadcast included.</summary>
    public long Size => 1L << (32 - Prefix);

    /// <summary>The host's address on the bridge: the first usable address (libvirt's convention, .1).</summary>
    public uint Gateway => Network + 1;

    /// <summary>First address handed out by DHCP (after the gateway).</summary>
    public uint DhcpFirst => Network + 2;

    /// <summary>Last address handed out by DHCP (before the broadcast address).</summary>
    public uint DhcpLast => (uint)(Network + Size - 2);

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other)
    {
        var prefix = Math.Min(Prefix, other.Prefix);
        var mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return (Network & mask) == (other.Network & mask);
    }

    public override string ToString() => $"{Format(Network)}/{Prefix.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>A.B.C.D/N</c>; null and an explanation when it is not a usable network subnet.</summary>
    public static Ipv4Subnet? TryParse(string text, out string? error)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            error = "is not an IPv4 CIDR; write it like 192.168.100.0/24";
            return null;
        }
        if (prefix is < 16 or > 29)
        {
            error = $"has a /{prefix} prefix; use a prefix from /16 to /29 (e.g. /24)";
            return null;
        }
        var subnet = new Ipv4Subnet(address & (uint.MaxValue << (32 - prefix)), prefix);
        if (subnet.Network != address)
        {
            error = $"has host bits set; the network address is {subnet}";
            return null;
        }
        error = null;
        return subnet;
    }

    /// <summary>Parses any IPv4 CIDR (a host route, a /8), masking host bits; a bare address is a /32.</summary>
    public static Ipv4Subnet? ParseRoute(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        var prefix = 32;
        if (!TryParseAddress(addressText, out var address)
            || (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32)))
            return null;
        var mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return new Ipv4Subnet(address & mask, prefix);
    }

    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
            return false;
        var bytes = ip.GetAddressBytes();
        address = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        return true;
    }

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}");

    /// <summary>
    /// The first /24 from 192.168.122.0 upwards (libvirt's default range, then the next ones) that overlaps neither
    /// an existing network nor a route of the host; null when 192.168.122-254 are all taken.
    /// </summary>
    public static Ipv4Subnet? FirstFree(IEnumerable<Ipv4Subnet> taken)
    {
        var used = taken.ToList();
        for (uint third = 122; third <= 254; third++)
        {
            var candidate = new Ipv4Subnet(0xC0A80000u | third << 8, 24);
            if (!used.Any(candidate.Overlaps))
                return candidate;
        }
        return null;
    }
}

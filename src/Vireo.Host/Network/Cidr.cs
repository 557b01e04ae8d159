using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Vireo.Host.Network;

/// <summary>Small IPv4 CIDR helpers for the plumbing (the engine has its own subnet arithmetic).</summary>
internal static class Cidr
{
    /// <summary>"192.168.122.1/24" as the kernel prints it; a bare address gets /32.</summary>
    public static string Normalize(string cidr)
    {
        var (address, prefix) = Parse(cidr);
        return $"{address}/{prefix}";
    }

    public static (IPAddress Address, int Prefix) Parse(string cidr)
    {
        var slash = cidr.IndexOf('/');
        var addressText = slash < 0 ? cidr : cidr[..slash];
        var prefix = slash < 0 ? 32 : int.Parse(cidr[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != AddressFamily.InterNetwork || prefix is < 0 or > 32)
            throw new FormatException($"'{cidr}' is not an IPv4 address in CIDR notation");
        return (address, prefix);
    }
}

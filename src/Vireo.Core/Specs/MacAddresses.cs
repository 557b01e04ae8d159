using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>MAC addresses in QEMU's locally administered 52:54:00 range, as libvirt generates them.</summary>
public static partial class MacAddresses
{
    /// <summary>A random address 52:54:00:xx:xx:xx.</summary>
    public static string Generate()
    {
        Span<byte> tail = stackalloc byte[3];
        RandomNumberGenerator.Fill(tail);
        return $"52:54:00:{tail[0]:x2}:{tail[1]:x2}:{tail[2]:x2}";
    }

    /// <summary>Null when <paramref name="mac"/> is a usable unicast address, else what is wrong.</summary>
    public static string? Validate(string mac)
    {
        if (!Pattern().IsMatch(mac))
            return "is not a MAC address; write six hex pairs such as 52:54:00:12:34:56";
        var first = byte.Parse(mac[..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0)
            return "is a multicast address; the first byte must be even (e.g. 52:54:00:...)";
        if (mac.Replace(":", "", StringComparison.Ordinal).All(c => c == '0'))
            return "is all zeros; use a real address such as 52:54:00:12:34:56";
        return null;
    }

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex Pattern();
}

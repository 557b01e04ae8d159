using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>
/// Ethernet MAC addresses for guest NICs. Generated addresses use QEMU/KVM's customary 52:54:00 prefix: 0x52 has the
/// locally-administered bit set and the multicast bit clear, so they never collide with a vendor-assigned address.
/// Uniqueness among the VMs of a host is the engine's job.
/// </summary>
public static partial class MacAddresses
{
    /// <summary>The prefix of every generated address.</summary>
    public const string Prefix = "52:54:00";

    /// <summary>A random address with <see cref="Prefix"/>, from a cryptographic source.</summary>
    public static string Generate()
    {
        Span<byte> suffix = stackalloc byte[3];
        RandomNumberGenerator.Fill(suffix);
        return Generate(suffix);
    }

    /// <summary>A random address with <see cref="Prefix"/>, from <paramref name="random"/> (seed it for repeatable tests).</summary>
    public static string Generate(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> suffix = stackalloc byte[3];
        random.NextBytes(suffix);
        return Generate(suffix);
    }

    /// <summary>The address <see cref="Prefix"/> followed by the three bytes of <paramref name="suffix"/>.</summary>
    public static string Generate(ReadOnlySpan<byte> suffix)
    {
        if (suffix.Length != 3) throw new ArgumentException("A MAC suffix is exactly 3 bytes.", nameof(suffix));
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}:{suffix[0]:x2}:{suffix[1]:x2}:{suffix[2]:x2}");
    }

    /// <summary>True when <paramref name="mac"/> is a usable unicast address in <c>xx:xx:xx:xx:xx:xx</c> form.</summary>
    public static bool IsValid(string? mac) => Validate(mac) is null;

    /// <summary>Null when valid; otherwise what is wrong and how to fix it (without the address itself).</summary>
    public static string? Validate(string? mac)
    {
        const string example = "e.g. 52:54:00:12:34:56, or leave mac out to have one generated";
        if (string.IsNullOrEmpty(mac)) return $"is empty; {example}";
        if (!MacPattern().IsMatch(mac))
        {
            return DashedPattern().IsMatch(mac)
                ? $"uses \"-\" between bytes; write colons, {example}"
                : $"is not a MAC address; write six two-digit hex bytes separated by colons, {example}";
        }
        var first = byte.Parse(mac.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0)
            return $"is a multicast address (lowest bit of the first byte set); a NIC needs a unicast address, {example}";
        if (mac.Replace(":", "").All(c => c == '0')) return $"is all zeros; {example}";
        return null;
    }

    /// <summary>The canonical (lower-case) form of a valid address, for comparison and storage.</summary>
    public static string Normalize(string mac) => mac.ToLowerInvariant();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MacPattern();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DashedPattern();
}

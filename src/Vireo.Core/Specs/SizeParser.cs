using System.Globalization;
using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>
/// Parses sizes such as <c>512MiB</c>, <c>512M</c>, <c>2G</c>, <c>1.5GiB</c>, <c>1024 KiB</c>. Units are binary
/// (K = KiB = 1024). A bare number takes the caller's default unit (MiB for memory, as virt-install reads it).
/// </summary>
public static partial class SizeParser
{
    /// <summary>1 MiB in bytes.</summary>
    public const long MiB = 1024 * 1024;

    /// <summary>Parses <paramref name="text"/> to bytes, or returns an error message (without the value).</summary>
    public static bool TryParse(string text, long defaultUnitBytes, out long bytes, out string? error)
    {
        bytes = 0;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            error = text.TrimStart().StartsWith('-')
                ? "is negative; a size must be positive"
                : "is not a size; write a number with an optional unit such as 512MiB, 2G or 1.5GiB";
            return false;
        }
        var unit = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "" => match.Groups[4].Success ? 1 : defaultUnitBytes,
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            "P" => 1L << 50,
            _ => 0,
        };
        if (!decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = "is not a size; write a number with an optional unit such as 512MiB or 2G";
            return false;
        }
        decimal total;
        try
        {
            total = number * unit;
        }
        catch (OverflowException)
        {
            error = "is too large";
            return false;
        }
        if (total > long.MaxValue)
        {
            error = "is too large";
            return false;
        }
        if (total <= 0)
        {
            error = "is zero; a size must be positive";
            return false;
        }
        if (total != decimal.Truncate(total))
        {
            error = "is not a whole number of bytes";
            return false;
        }
        bytes = (long)total;
        error = null;
        return true;
    }

    /// <summary>Formats bytes the way the parser reads them back (largest exact binary unit).</summary>
    public static string Format(long bytes)
    {
        foreach (var (unit, size) in new[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) })
            if (bytes >= size && bytes % size == 0)
                return $"{bytes / size}{unit}";
        return $"{bytes}B";
    }

    // number, optional binary/decimal-looking unit letter, optional "iB"/"B".
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(?:([KMGTPkmgtp])(i?[Bb])?|([Bb]))?\s*$")]
    private static partial Regex Pattern();
}

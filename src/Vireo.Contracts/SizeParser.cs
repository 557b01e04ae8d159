using System.Globalization;
using System.Text.RegularExpressions;

namespace Vireo.Contracts;

/// <summary>
/// Parses human sizes such as <c>512MiB</c>, <c>2G</c>, <c>1.5GiB</c> or <c>2048 MiB</c> into bytes.
/// Units are binary only (K/M/G/T = KiB/MiB/GiB/TiB, as QEMU reads them); <c>KB</c>/<c>MB</c>/<c>GB</c>/<c>TB</c> are
/// refused as ambiguous because libvirt reads them as powers of 1000 and a silent 7% difference is worse than an error.
/// A unit is required: a bare <c>"512"</c> could mean bytes (qemu-img) or MiB (memory), so it is never guessed.
/// Error texts follow the spec style "what is wrong; how to fix" and leave out the value, which callers quote.
/// </summary>
public static partial class SizeParser
{
    /// <summary>1024 bytes.</summary>
    public const long KiB = 1024;
    /// <summary>1024 KiB.</summary>
    public const long MiB = KiB * 1024;
    /// <summary>1024 MiB.</summary>
    public const long GiB = MiB * 1024;
    /// <summary>1024 GiB.</summary>
    public const long TiB = GiB * 1024;

    private const string Units = "B, K or KiB, M or MiB, G or GiB, T or TiB";
    private const string Example = "e.g. 512MiB, 2G or 1.5GiB";

    /// <summary>Parses <paramref name="text"/> into bytes; on failure <paramref name="error"/> says why and how to fix it.</summary>
    public static bool TryParse(string? text, out long bytes, out string error)
    {
        bytes = 0;
        error = "";
        var s = text?.Trim() ?? "";
        if (s.Length == 0) return Fail(out error, $"is empty; give a size with a unit, {Example}");
        if (s.StartsWith('-')) return Fail(out error, $"is negative; a size must be positive, {Example}");

        var m = SizePattern().Match(s);
        if (!m.Success)
            return Fail(out error, $"is not a size; write a number followed by a binary unit, {Example}");

        var unit = m.Groups["unit"].Value;
        if (unit.Length == 0)
            return Fail(out error, $"has no unit; add one ({Units}), {Example}");
        var multiplier = Multiplier(unit);
        if (multiplier is null)
        {
            return unit.Length == 2 && char.ToUpperInvariant(unit[1]) == 'B'
                   && "KMGTP".Contains(char.ToUpperInvariant(unit[0]))
                ? Fail(out error, $"uses \"{unit}\", which is ambiguous (powers of 1000 or 1024?); write {char.ToUpperInvariant(unit[0])} or {char.ToUpperInvariant(unit[0])}iB, Vireo sizes are binary")
                : Fail(out error, $"has the unknown unit \"{unit}\"; use {Units}");
        }

        var number = m.Groups["number"].Value;
        if (number.Length > 24 || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return Fail(out error, "is too large; the largest size is 8 EiB");
        decimal total;
        try
        {
            total = value * multiplier.Value;
        }
        catch (OverflowException)
        {
            return Fail(out error, "is too large; the largest size is 8 EiB");
        }
        if (total > long.MaxValue) return Fail(out error, "is too large; the largest size is 8 EiB");
        if (total == 0) return Fail(out error, $"is zero; a size must be positive, {Example}");
        if (total != decimal.Truncate(total))
            return Fail(out error, "is not a whole number of bytes; use fewer decimals or a smaller unit");
        bytes = (long)total;
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, but the size must be a whole number of MiB; returns MiB.</summary>
    public static bool TryParseMiB(string? text, out long mib, out string error)
    {
        mib = 0;
        if (!TryParse(text, out var bytes, out error)) return false;
        if (bytes % MiB != 0)
            return Fail(out error, $"is {Format(bytes)}, not a whole number of MiB; round it to whole MiB, e.g. {Math.Max(1, bytes / MiB)}MiB");
        mib = bytes / MiB;
        return true;
    }

    /// <summary>Parses a size into bytes or throws <see cref="FormatException"/> with the reason.</summary>
    public static long Parse(string text) =>
        TryParse(text, out var bytes, out var error) ? bytes : throw new FormatException($"\"{text}\" {error}");

    /// <summary>Parses a size that must be a whole number of MiB, or throws <see cref="FormatException"/>.</summary>
    public static long ParseMiB(string text) =>
        TryParseMiB(text, out var mib, out var error) ? mib : throw new FormatException($"\"{text}\" {error}");

    /// <summary>Renders bytes exactly in the largest unit that divides them: <c>2GiB</c>, <c>1536MiB</c>, <c>100B</c>.</summary>
    public static string Format(long bytes)
    {
        foreach (var (size, name) in new[] { (TiB, "TiB"), (GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB") })
        {
            if (bytes != 0 && bytes % size == 0) return $"{(bytes / size).ToString(CultureInfo.InvariantCulture)}{name}";
        }
        return $"{bytes.ToString(CultureInfo.InvariantCulture)}B";
    }

    /// <summary>Renders MiB exactly, e.g. 2048 as <c>2GiB</c>.</summary>
    public static string FormatMiB(long mib) =>
        mib > long.MaxValue / MiB || mib < long.MinValue / MiB ? $"{mib}MiB" : Format(mib * MiB);

    /// <summary>Renders MiB approximately for messages, e.g. 23968 as <c>23.4 GiB</c>.</summary>
    public static string Describe(long mib) =>
        mib >= 1024
            ? $"{Math.Round(mib / 1024.0, 1).ToString("0.#", CultureInfo.InvariantCulture)} GiB"
            : $"{mib.ToString(CultureInfo.InvariantCulture)} MiB";

    private static long? Multiplier(string unit) => unit.ToUpperInvariant() switch
    {
        "B" => 1,
        "K" or "KIB" => KiB,
        "M" or "MIB" => MiB,
        "G" or "GIB" => GiB,
        "T" or "TIB" => TiB,
        _ => null,
    };

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }

    // One space between number and unit is tolerated ("2048 MiB"), as people write it in prose.
    [GeneratedRegex(@"^(?<number>[0-9]+(\.[0-9]+)?) ?(?<unit>[A-Za-z]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}

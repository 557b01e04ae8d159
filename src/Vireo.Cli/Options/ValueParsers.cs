using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Options;

/// <summary>What a free-text value is, which decides how long it may be and what it may contain.</summary>
internal enum TextKind
{
    /// <summary>A name vireod looks up or checks (VM, snapshot, network, pool, POOL/NAME, MAC, id): one line, short.</summary>
    Name,
    /// <summary>A file or directory path.</summary>
    Path,
    /// <summary>Free text such as a description, or a SPEC value its own parser reads (--disk, --network).</summary>
    Free,
}

/// <summary>
/// The grammar of every typed value vireo takes on its command line. Each parser returns null and the value, or the
/// problem as the second half of a sentence whose first half names the option and the value (<c>--timeout "abc"</c>)
/// and which ends with the fix: <c>is not a whole number; give one from 0 to 86400, e.g. 30</c>.
/// </summary>
internal static class ValueParsers
{
    /// <summary>Longest name vireo sends (vireod's own limits are lower; this only keeps URLs sane).</summary>
    public const int MaxNameLength = 255;
    /// <summary>Longest path or free text (PATH_MAX; a VM description may be 4096 characters).</summary>
    public const int MaxTextLength = 4096;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, in ASCII digits only.</summary>
    public static string? Integer(string text, long min, long max, string? unit, out long value, long? example = null)
    {
        value = 0;
        string range = IntegerForm(min, max, unit);
        if (text.Length == 0)
            return $"is empty; give {range}";
        int start = text[0] == '-' && min < 0 ? 1 : 0;
        if (text[0] == '-' && min >= 0 && text.Length > 1 && AllAsciiDigits(text.AsSpan(1)))
            return $"is negative; give {range}";
        if (start == text.Length || !AllAsciiDigits(text.AsSpan(start)))
            return NotDigits(text) + $"; give {range}, e.g. {(example ?? Example(min, max)).ToString(CultureInfo.InvariantCulture)}";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value > max)
            return $"is more than {max.ToString(CultureInfo.InvariantCulture)}; give {range}";
        if (value < min)
            return $"is less than {min.ToString(CultureInfo.InvariantCulture)}; give {range}";
        return null;
    }

    /// <summary>"a whole number of seconds from 0 to 86400".</summary>
    public static string IntegerForm(long min, long max, string? unit) =>
        $"a whole number{(unit is null ? "" : " of " + unit)} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A number with an optional fraction (2, 0.5), from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static string? Decimal(string text, double min, double max, string unit, out double value)
    {
        value = 0;
        string range = DecimalForm(min, max, unit);
        if (text.Length == 0)
            return $"is empty; give {range}";
        int dot = text.IndexOf('.');
        bool shape = dot < 0
            ? AllAsciiDigits(text)
            : dot > 0 && dot < text.Length - 1 && AllAsciiDigits(text.AsSpan(0, dot)) && AllAsciiDigits(text.AsSpan(dot + 1));
        if (text[0] == '-' && text.Length > 1 && char.IsAsciiDigit(text[1]))
            return $"is negative; give {range}";
        if (!shape)
            return NotDigits(text, "a plain number") + $"; give {range}, written like 2 or 0.5";
        if (text.Length > 20 || !double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) || value > max)
            return $"is more than {max.ToString(CultureInfo.InvariantCulture)}; give {range}";
        if (value < min)
            return $"is less than {min.ToString(CultureInfo.InvariantCulture)}; give {range}";
        return null;
    }

    public static string DecimalForm(double min, double max, string unit) =>
        $"a number of {unit} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// A size in MiB: a bare number is MiB (as for memory in virt-install and in specs), or a size with a binary
    /// unit (512M, 1G, 1.5GiB) that is a whole number of MiB; written the same way as spec sizes (<see cref="SizeParser"/>).
    /// </summary>
    public static string? SizeMiB(string text, out long mib)
    {
        mib = 0;
        if (text.Length > 0 && AllAsciiDigits(text))
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out mib) || mib > long.MaxValue / SizeParser.MiB)
                return "is too large; the largest size is 8 EiB";
            return mib == 0 ? "is zero; give a positive size such as 512 (MiB), 512M or 2G" : null;
        }
        if (text.Length > 0 && text.Any(c => char.IsDigit(c) && !char.IsAsciiDigit(c)))
            return "uses digits other than 0-9; write a size such as 512 (MiB), 512M or 2G";
        return SizeParser.TryParseMiB(text, out mib, out var problem) ? null : problem;
    }

    /// <summary>
    /// A size in bytes with a binary unit (20G, 512MiB, 4096B). A bare number is refused: it could mean bytes (as
    /// qemu-img reads it) or GiB (as virt-install's size= does), and a wrong guess makes a disk 1024 times too big.
    /// </summary>
    public static string? Bytes(string text, out long bytes)
    {
        bytes = 0;
        if (text.Length > 0 && AllAsciiDigits(text))
            return $"has no unit, and a bare number could mean bytes or GiB; add one, e.g. {text}G, {text}M or {text}B for bytes";
        if (text.Length > 0 && text.Any(c => char.IsDigit(c) && !char.IsAsciiDigit(c)))
            return "uses digits other than 0-9; write a size such as 20G or 512M";
        return SizeParser.TryParse(text, out bytes, out var problem) ? null : problem;
    }

    /// <summary>A new size (<c>40G</c>) or a growth (<c>+10G</c>), each with a unit, as <c>vol resize</c> takes it.</summary>
    public static string? SizeOrGrowth(string text, out long bytes)
    {
        var problem = Bytes(text.StartsWith('+') ? text[1..] : text, out bytes);
        return problem is null ? null : problem + " (SIZE sets the size, +SIZE grows it)";
    }

    /// <summary>One of <paramref name="values"/>, in any case; the value comes back as listed.</summary>
    public static string? Choice(string text, IReadOnlyList<string> values, out string value)
    {
        value = "";
        foreach (var allowed in values)
        {
            if (string.Equals(allowed, text, StringComparison.OrdinalIgnoreCase))
            {
                value = allowed;
                return null;
            }
        }
        string list = values.Count == 2 ? $"{values[0]} or {values[1]}" : string.Join(", ", values);
        string? nearest = Suggestions.Nearest(text, values).FirstOrDefault();
        return (text.Length == 0 ? "is empty" : "is not one of " + list) +
               (text.Length == 0 ? $"; give one of {list}" : nearest is null ? "" : $"; did you mean {nearest}?");
    }

    /// <summary>on/off, yes/no, true/false, 1/0, as virt-install and virsh spell a switch.</summary>
    public static string? OnOff(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "on" or "yes" or "true" or "1":
                value = true;
                return null;
            case "off" or "no" or "false" or "0":
                value = false;
                return null;
            default:
                value = false;
                return text.Length == 0 ? "is empty; give on or off" : "is not on or off (yes/no and true/false work too)";
        }
    }

    /// <summary>Free text: not empty (unless <paramref name="allowEmpty"/>), not huge; names on one line.</summary>
    public static string? Text(string text, TextKind kind, bool allowEmpty = false)
    {
        if (text.Length == 0 && !allowEmpty)
            return kind switch
            {
                TextKind.Name => "is empty; give a name",
                TextKind.Path => "is empty; give a path",
                _ => "is empty; give a value",
            };
        int max = kind == TextKind.Name ? MaxNameLength : MaxTextLength;
        if (text.Length > max)
            return $"is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; the most vireo takes here is {max.ToString(CultureInfo.InvariantCulture)}";
        if (kind != TextKind.Free)
        {
            foreach (char c in text)
            {
                if (char.IsControl(c))
                    return $"contains the control character \\u{(int)c:x4}; a {(kind == TextKind.Name ? "name" : "path")} is one plain line";
            }
        }
        return null;
    }

    private static bool AllAsciiDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        return true;
    }

    /// <summary>Why a text that should be digits is not, in the terms people use.</summary>
    private static string NotDigits(string text, string what = "a number")
    {
        if (text.Any(c => char.IsDigit(c) && !char.IsAsciiDigit(c)))
            return $"is not {what}: only the digits 0-9 count";
        if (text.Length > 1 && text[0] == '0' && text[1] is 'x' or 'X')
            return $"is not {what}: write it in decimal";
        int dot = text.IndexOf('.');
        if (what == "a number" && dot > 0 && dot < text.Length - 1 && AllAsciiDigits(text.AsSpan(0, dot)) && AllAsciiDigits(text.AsSpan(dot + 1)))
            return "is not a whole number";
        return $"is not {what}";
    }

    private static long Example(long min, long max) => min <= 30 && max >= 30 ? 30 : min;
}

using System.Globalization;
using System.Text;

namespace Vireo.Core.Specs;

/// <summary>
/// Makes user-supplied text safe to echo in an error message: control characters are shown as <c>\u0007</c>
/// (a raw BEL or escape sequence would act on the user's terminal), quotes and backslashes are escaped so the
/// value's boundaries stay visible, and very long values are shortened.
/// </summary>
internal static class DisplayText
{
    public const int MaxLength = 80;

    public static string Escape(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, MaxLength) + 8);
        foreach (var c in text)
        {
            if (sb.Length >= MaxLength)
            {
                sb.Append('…');
                break;
            }
            sb.Append(EscapeChar(c));
        }
        return sb.ToString();
    }

    /// <summary>Escapes only unsafe characters, keeping quotes and length: for library messages and field names.</summary>
    public static string Sanitize(string text) =>
        text.Any(IsUnsafe) ? string.Concat(text.Select(c => IsUnsafe(c) ? EscapeChar(c) : c.ToString())) : text;

    /// <summary>The character at <paramref name="index"/> for a message: a whole surrogate pair, or an escaped unsafe one.</summary>
    public static string CharAt(string text, int index) =>
        char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])
            ? text.Substring(index, 2)
            : char.IsSurrogate(text[index]) ? $"\\u{((int)text[index]).ToString("x4", CultureInfo.InvariantCulture)}" : EscapeChar(text[index]);

    /// <summary>Names the character at <paramref name="index"/>: <c>a space</c>, <c>the control character \u0007</c>, <c>"é"</c>.</summary>
    public static string Describe(string text, int index) => text[index] switch
    {
        ' ' => "a space",
        var c when IsControlLike(c) => $"the control character {EscapeChar(c)}",
        _ => $"\"{CharAt(text, index)}\"",
    };

    public static string EscapeChar(char c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        _ when IsUnsafe(c) => $"\\u{((int)c).ToString("x4", CultureInfo.InvariantCulture)}",
        _ => c.ToString(),
    };

    /// <summary>
    /// Characters never echoed raw: controls (see <see cref="IsControlLike"/>) and invisible format characters such
    /// as U+202E (right-to-left override) or U+FEFF, which would make a message show something other than the input.
    /// </summary>
    public static bool IsUnsafe(char c) =>
        IsControlLike(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;

    /// <summary>C0/C1 controls, DEL, and the Unicode line and paragraph separators: what text fields may not hold.</summary>
    public static bool IsControlLike(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}

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

    public static string EscapeChar(char c) => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        _ when IsUnsafe(c) => $"\\u{((int)c).ToString("x4", CultureInfo.InvariantCulture)}",
        _ => c.ToString(),
    };

    /// <summary>C0/C1 controls, DEL, and the Unicode line and paragraph separators.</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029';
}

using System.Globalization;
using System.Text;

namespace Vireo.Cli.Options;

/// <summary>How a value the user typed is shown back in a message: quoted, escaped, and cut short when long.</summary>
internal static class ValueText
{
    /// <summary>Longest part of a value repeated in a message; the rest is counted, not printed.</summary>
    public const int MaxShown = 60;

    /// <summary>
    /// <c>"abc"</c>; control characters (which could move a terminal's cursor) as <c>\x1b</c>, <c>\n</c>; a value
    /// longer than <see cref="MaxShown"/> as its start and its length: <c>"aaaa..." (10240 characters)</c>.
    /// </summary>
    public static string Quote(string? value)
    {
        value ??= "";
        var text = new StringBuilder(Math.Min(value.Length, MaxShown) + 8).Append('"');
        int shown = Math.Min(value.Length, MaxShown);
        if (shown < value.Length && char.IsHighSurrogate(value[shown - 1]))
            shown--;
        for (int i = 0; i < shown; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c) && !IsPairAt(value, i))
                        text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else
                        text.Append(c);
                    break;
            }
        }
        text.Append('"');
        if (value.Length > shown)
            text.Insert(text.Length - 1, "...").Append(CultureInfo.InvariantCulture, $" ({value.Length} characters)");
        return text.ToString();
    }

    private static bool IsPairAt(string s, int i) =>
        char.IsHighSurrogate(s[i]) ? i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) : i > 0 && char.IsHighSurrogate(s[i - 1]);
}

using System.Globalization;
using System.Text;

namespace Vireo.Core.Specs;

/// <summary>
/// Writes a string as a YAML scalar that reads back as exactly that string: plain when that is unambiguous,
/// otherwise double-quoted with escapes. Plain is used only for a conservative character set, and never for text
/// that would resolve to another type (<c>"2"</c>, <c>"true"</c>, <c>"null"</c> stay quoted).
/// </summary>
internal static class YamlScalarText
{
    public static string Format(string text) => CanBePlain(text) ? text : Quote(text);

    public static bool CanBePlain(string text)
    {
        if (text.Length == 0 || ScalarResolver.Resolve(text) != ScalarKind.String) return false;
        if (!(char.IsAsciiLetterOrDigit(text[0]) || text[0] is '/' or '.' or '_')) return false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            var ok = char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or '=' or '@'
                     // ": " starts a mapping value and " #" a comment; a trailing colon or space changes meaning.
                     || c == ':' && next is not (' ' or '\0')
                     || c == ' ' && next is not (' ' or '#' or '\0');
            if (!ok) return false;
        }
        return true;
    }

    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                // A lone surrogate cannot be encoded in YAML (or UTF-8); the parser never produces one.
                _ when char.IsSurrogate(c) => "\\ufffd",
                _ when DisplayText.IsUnsafe(c) || c == '\ufeff' => $"\\u{((int)c).ToString("x4", CultureInfo.InvariantCulture)}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}

using System.Text;

namespace Vireo.Cli.Create;

/// <summary>One item of a virt-install style option value: <c>key=value</c>, or a bare token (<c>Key</c> null).</summary>
internal readonly record struct KeyValueItem(string? Key, string Value);

/// <summary>
/// Splits virt-install style values such as <c>path=/a.img,format=raw,readonly=on</c>. Commas inside single or double
/// quotes do not split, so <c>kernel_args="console=ttyS0,115200 quiet"</c> keeps its comma.
/// </summary>
internal static class KeyValueList
{
    public static IReadOnlyList<KeyValueItem> Parse(string flag, string text, string acceptedHelp)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw Error(flag, text, "the value is empty", acceptedHelp);
        var items = new List<KeyValueItem>();
        foreach (string raw in Split(flag, text, acceptedHelp))
        {
            if (raw.Length == 0)
                throw Error(flag, text, "it has an empty item (two commas in a row, or a trailing comma)", acceptedHelp);
            int eq = raw.IndexOf('=');
            if (eq < 0)
            {
                items.Add(new KeyValueItem(null, Unquote(raw)));
                continue;
            }
            string key = raw[..eq].Trim();
            string value = Unquote(raw[(eq + 1)..]);
            if (key.Length == 0)
                throw Error(flag, text, $"\"{raw}\" has no key before '='", acceptedHelp);
            if (value.Length == 0)
                throw Error(flag, text, $"key \"{key}\" has an empty value", acceptedHelp);
            items.Add(new KeyValueItem(key.ToLowerInvariant().Replace('-', '_'), value));
        }
        return items;
    }

    /// <summary>The usage error every malformed value gets: flag, full value, what is wrong, what is accepted.</summary>
    public static CliUsageException Error(string flag, string text, string problem, string acceptedHelp) =>
        new($"{flag} \"{text}\": {problem}. {acceptedHelp}");

    private static IEnumerable<string> Split(string flag, string text, string acceptedHelp)
    {
        var current = new StringBuilder();
        char quote = '\0';
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                current.Append(c);
            }
            else if (c == ',')
            {
                yield return current.ToString().Trim();
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        if (quote != '\0')
            throw Error(flag, text, $"a {quote} quote is not closed", acceptedHelp);
        yield return current.ToString().Trim();
    }

    private static string Unquote(string value)
    {
        var sb = new StringBuilder(value.Length);
        char quote = '\0';
        foreach (char c in value.Trim())
        {
            if (quote != '\0' && c == quote)
                quote = '\0';
            else if (quote == '\0' && c is '"' or '\'')
                quote = c;
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>on/off, yes/no, true/false, 1/0 — the spellings virt-install accepts.</summary>
    public static bool? ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "on" or "yes" or "true" or "1" => true,
        "off" or "no" or "false" or "0" => false,
        _ => null,
    };
}

using System.Text;
using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>VM names: safe as file names, URL segments and QEMU -name values.</summary>
public static partial class VmNameRules
{
    /// <summary>The rule, for messages.</summary>
    public const string Rule = "1-63 characters: letters, digits, '.', '_' and '-', starting with a letter or digit";

    /// <summary>Null when valid, else what is wrong (without the value itself).</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return $"is empty; a name needs {Rule}";
        if (Pattern().IsMatch(name))
            return null;
        if (name.Length > 63)
            return $"is {name.Length} characters long; the limit is 63";
        if (name.Contains('/'))
            return $"contains '/'; a name needs {Rule}";
        if (name.Contains(".."))
            return $"contains '..'; a name needs {Rule}";
        if (name.Any(char.IsControl))
            return $"contains a control character; a name needs {Rule}";
        if (name.Any(char.IsWhiteSpace))
            return $"contains a space; a name needs {Rule}";
        if (!char.IsAsciiLetterOrDigit(name[0]))
            return $"starts with '{name[0]}'; a name must start with a letter or digit";
        var bad = name.First(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
        return $"contains '{bad}'; a name needs {Rule}";
    }

    /// <summary>Shows control characters as \uXXXX so a message never carries them raw.</summary>
    public static string Printable(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return text.ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();
}

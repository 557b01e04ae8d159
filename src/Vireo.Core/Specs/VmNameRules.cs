using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>
/// The rule for VM names, shared by spec validation and the API (names appear in URLs, file names under the state
/// directory, QEMU's <c>-name</c> and tap device names, so the set is deliberately small and shell/path safe).
/// </summary>
public static partial class VmNameRules
{
    /// <summary>Longest allowed name (a DNS label's length, so a name can double as a guest hostname).</summary>
    public const int MaxLength = 63;

    /// <summary>The rule as a regular expression (JSON Schema / JavaScript semantics, where $ is the very end).</summary>
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";

    private const string Allowed = "use 1-63 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit";

    /// <summary>True when <paramref name="name"/> is a valid VM name.</summary>
    public static bool IsValid(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>
    /// Null when <paramref name="name"/> is valid; otherwise what is wrong and what is allowed, without the name
    /// itself (callers quote it), e.g. <c>contains "/", which would make it a path; use 1-63 letters, ...</c>.
    /// </summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) return $"is empty; {Allowed}";
        if (IsValid(name)) return null;
        if (name is "." or "..") return $"is a path component, not a name; {Allowed}";

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '/') return $"contains \"/\", which would make it a path; {Allowed}";
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
                return $"contains the control character {DisplayText.EscapeChar(c)}; {Allowed}";
            if (char.IsWhiteSpace(c)) return $"contains a space; {Allowed}";
            if (!IsNameChar(c)) return $"contains \"{DisplayText.CharAt(name, i)}\", which is not allowed; {Allowed}";
        }
        if (!char.IsAsciiLetterOrDigit(name[0]))
            return $"starts with \"{name[0]}\"; a name must start with a letter or digit";
        return $"is {name.Length} characters long; the maximum is {MaxLength}";
    }

    /// <summary>
    /// The guest hostname a VM name stands for, valid as a host name (RFC 1123: labels of letters, digits and
    /// inner "-"): "_" becomes "-", and "-" at either end of a label and empty labels go, so <c>web_1</c> is
    /// <c>web-1</c> and <c>db_</c> is <c>db</c>. Vireo writes it on the kernel command line (vireo.hostname=) and
    /// in the network's DHCP host entries; the tiny image's init applies the same rule to what it is given.
    /// </summary>
    public static string GuestHostname(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = name.Replace('_', '-').Split('.').Select(l => l.Trim('-')).Where(l => l.Length > 0).ToList();
        return labels.Count == 0 ? "vm" : string.Join('.', labels);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    // \z, not $: in .NET "$" also matches before a final "\n", which would let "web1\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}

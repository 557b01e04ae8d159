namespace Vireo.Core.Specs;

/// <summary>
/// The kernel's rule for network interface names (net/core/dev.c <c>dev_valid_name</c>): 1-15 bytes
/// (IFNAMSIZ is 16 with the NUL), not "." or "..", no "/", ":" or whitespace. Vireo also refuses control and
/// non-ASCII characters, which the kernel tolerates but which break nftables rules and terminals.
/// </summary>
public static class LinuxInterfaceNames
{
    /// <summary>Longest interface name the kernel accepts.</summary>
    public const int MaxLength = 15;

    /// <summary>Null when valid; otherwise what is wrong and what is allowed (without the name itself).</summary>
    public static string? Validate(string? name)
    {
        const string allowed = "an interface name is 1-15 characters without \"/\", \":\" or spaces, e.g. br0";
        if (string.IsNullOrEmpty(name)) return $"is empty; {allowed}";
        if (name is "." or "..") return $"is not an interface name; {allowed}";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is '/' or ':') return $"contains \"{c}\"; {allowed}";
            if (char.IsControl(c)) return $"contains the control character {DisplayText.EscapeChar(c)}; {allowed}";
            if (char.IsWhiteSpace(c)) return $"contains a space; {allowed}";
            if (!char.IsAscii(c)) return $"contains the non-ASCII character \"{DisplayText.CharAt(name, i)}\"; {allowed}";
        }
        return name.Length > MaxLength ? $"is {name.Length} characters long; {allowed}" : null;
    }
}

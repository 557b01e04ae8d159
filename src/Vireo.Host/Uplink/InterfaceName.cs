using System.Text.RegularExpressions;

namespace Vireo.Host.Uplink;

/// <summary>Interface names the kernel accepts and that are safe in an <c>ip -batch</c> line and in config files.</summary>
internal static partial class InterfaceName
{
    // The kernel's dev_valid_name: 1-15 bytes (IFNAMSIZ 16 with the NUL), not . or .., no '/', ':' or blanks.
    // Vireo is stricter (letters, digits, '_', '.', '-') so a name never needs quoting anywhere.
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$")]
    private static partial Regex Valid();

    public static void Require(string field, string? name)
    {
        if (string.IsNullOrEmpty(name))
            throw new UplinkRefusedException(field, name ?? "", "is required: give an interface name");
        if (name.Length > 15)
            throw new UplinkRefusedException(field, name,
                "is longer than the 15 characters of an interface name (the kernel's IFNAMSIZ); choose a shorter name");
        if (!Valid().IsMatch(name))
            throw new UplinkRefusedException(field, name,
                "is not a valid interface name; use letters, digits, '_', '.' and '-' (e.g. br0, vmbr0)");
        if (name == "lo")
            throw new UplinkRefusedException(field, name,
                "is the loopback interface, which cannot be part of a bridge; name the NIC that connects the host to the LAN",
                hint: "List the interfaces: ip -br link");
    }
}

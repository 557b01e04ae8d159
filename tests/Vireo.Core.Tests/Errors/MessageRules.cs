using System.Text.RegularExpressions;

namespace Vireo.Core.Tests.Errors;

/// <summary>
/// What counts as command syntax in an engine message: a message is a plain sentence a web page can show as it is,
/// and what to type goes into the hint.
/// </summary>
internal static partial class MessageRules
{
    /// <summary>
    /// True when <paramref name="text"/> names a command or a flag: a backtick, "vireo COMMAND" (any of vireo's
    /// commands), a --flag, or a host command line (apt-get install, qemu-img convert, ip link set, sysctl -w...).
    /// </summary>
    public static bool CarriesCommandSyntax(string text) => CommandSyntax().IsMatch(text);

    [GeneratedRegex(@"`|\bvireo (list|info|create|define|dumpspec|undefine|start|shutdown|destroy|reboot|reset|suspend|resume|console|logs|ip|attach-interface|detach-interface|domif-setlink|net|pool|vol|operation|disk|cdrom|clone|snapshot|backup|backups|restore|host|version|edit|set|rename|top|domstats|vncdisplay)\b|\bvireod --|(^|[\s(""'])--[a-z]|\bapt-get install\b|\bqemu-img (convert|rebase|snapshot|create|resize) |\bip (-br|link (set|add)|addr add)\b|\bsysctl -w\b|\bnft (flush|insert|add)\b|\busermod -")]
    private static partial Regex CommandSyntax();
}

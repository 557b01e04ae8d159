using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>The parts of a VM's kernel command line that Vireo writes itself.</summary>
public static class KernelCmdline
{
    /// <summary>The parameter that names the guest (the tiny image's init reads it; Vireo adds it for image VMs).</summary>
    public const string HostnameKey = "vireo.hostname";

    /// <summary>
    /// The command line with <c>vireo.hostname=OLD</c> (the hostname that followed the VM's name: the name itself, or
    /// its hostname form, see <see cref="VmNameRules.GuestHostname"/>) turned into <c>vireo.hostname=NEW</c> in
    /// hostname form; every other parameter, and a hostname the user set to something else than the VM's name,
    /// stay as they are. Null stays null.
    /// </summary>
    public static string? FollowName(string? cmdline, string oldName, string newName)
    {
        if (cmdline is null)
            return null;
        var old = string.Join('|', new[] { oldName, VmNameRules.GuestHostname(oldName) }.Distinct().Select(Regex.Escape));
        var pattern = $@"(?<=^|\s){Regex.Escape(HostnameKey)}=(?:(?:{old})|""(?:{old})"")(?=\s|$)";
        return Regex.Replace(cmdline, pattern, $"{HostnameKey}={VmNameRules.GuestHostname(newName)}", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The parameter that names a new image VM's guest: <c>vireo.hostname=</c> and the name's hostname form.</summary>
    public static string HostnameFor(string vmName) => $"{HostnameKey}={VmNameRules.GuestHostname(vmName)}";
}

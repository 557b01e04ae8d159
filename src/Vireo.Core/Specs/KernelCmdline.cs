using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>The parts of a VM's kernel command line that Vireo writes itself.</summary>
public static class KernelCmdline
{
    /// <summary>The parameter that names the guest (the tiny image's init reads it; Vireo adds it for image VMs).</summary>
    public const string HostnameKey = "vireo.hostname";

    /// <summary>
    /// The command line with <c>vireo.hostname=OLD</c> (the hostname that followed the VM's name) turned into
    /// <c>vireo.hostname=NEW</c>; every other parameter, and a hostname the user set to something else than the
    /// VM's name, stay as they are. Null stays null.
    /// </summary>
    public static string? FollowName(string? cmdline, string oldName, string newName)
    {
        if (cmdline is null)
            return null;
        var pattern = $@"(?<=^|\s){Regex.Escape(HostnameKey)}=(?:{Regex.Escape(oldName)}|""{Regex.Escape(oldName)}"")(?=\s|$)";
        return Regex.Replace(cmdline, pattern, $"{HostnameKey}={newName}", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}

using System.IO.Enumeration;

namespace Vireo.Host.Uplink.Persistence;

/// <summary>
/// systemd-networkd: a <c>.netdev</c> that creates the bridge, a <c>.network</c> that gives it the addresses, and a
/// <c>.network</c> that makes the NIC its port. networkd applies to a link the FIRST <c>.network</c> file (by file
/// name, across /etc, /run and /usr/lib) whose [Match] fits, which is what decides the names below.
/// </summary>
internal static class NetworkdRenderer
{
    public static readonly string[] Directories = ["etc/systemd/network", "run/systemd/network", "usr/lib/systemd/network", "lib/systemd/network"];

    /// <summary>The file (host path) networkd applies to <paramref name="nic"/>, or null.</summary>
    public static string? FindNetworkFile(string root, string nic)
    {
        var files = Directories.Select(d => Path.Combine(root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.network"))
            .GroupBy(Path.GetFileName).Select(g => g.First()) // /etc masks /run masks /usr/lib
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal);
        return files.FirstOrDefault(f => Matches(IniFile.Parse(File.ReadAllText(f)), nic));
    }

    private static bool Matches(IniFile ini, string nic)
    {
        var names = ini.Values("Match", "Name").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        return names.Count > 0 && names.Any(p => !p.StartsWith('!') && FileSystemName.MatchesSimpleExpression(p, nic, ignoreCase: false));
    }

    public static bool MatchesOnlyByExactName(IniFile ini, string nic) =>
        ini.Sections.Where(s => s.Name == "Match").SelectMany(s => s.Lines).ToList() is var lines &&
        lines.Count == 1 && lines[0].Replace(" ", "") == $"Name={nic}";

    public static List<RenderedFile> Render(PersistModel m, string original, string originalText, string header)
    {
        var dir = "/etc/systemd/network";
        var ini = IniFile.Parse(originalText);
        var files = new List<RenderedFile>();
        var netdev = new List<string>
        {
            header, "[NetDev]", $"Name={m.Bridge}", "Kind=bridge",
            // The NIC's MAC, which the LAN knows; networkd would otherwise generate a stable random one.
            $"MACAddress={m.Mac}", $"MTUBytes={m.Mtu}", "", "[Bridge]", "STP=no", "ForwardDelaySec=0",
        };
        files.Add(new RenderedFile($"{dir}/00-vireo-{m.Bridge}.netdev", Text(netdev), Mode644));

        var network = new List<string> { header, "[Match]", $"Name={m.Bridge}", "", "[Network]" };
        if (m.Dhcp4) network.Add("DHCP=ipv4");
        network.AddRange(m.StaticV4.Concat(m.StaticV6).Select(a => $"Address={a}"));
        if (m.Gateway4 is not null && m.Gateway4Metric is null) network.Add($"Gateway={m.Gateway4}");
        if (m.Gateway6 is not null) network.Add($"Gateway={m.Gateway6}");
        foreach (var key in (string[])["DNS", "Domains", "NTP", "IPv6AcceptRA", "LinkLocalAddressing"])
            network.AddRange(ini.Values("Network", key).Select(v => $"{key}={v}"));
        if (m.Gateway4 is not null && m.Gateway4Metric is { } metric)
            network.AddRange(["", "[Route]", $"Gateway={m.Gateway4}", $"Metric={metric}"]);
        foreach (var r in m.Routes4)
        {
            network.AddRange(["", "[Route]", $"Destination={r.Destination}"]);
            if (r.Gateway is not null) network.Add($"Gateway={r.Gateway}");
            if (r.Metric is { } rm) network.Add($"Metric={rm}");
        }
        // A DHCP client identity set for the NIC must follow the address to the bridge, or the lease changes.
        foreach (var section in (string[])["DHCPv4", "DHCP"])
            if (ini.Sections.Any(s => s.Name == section))
                network.AddRange(["", $"[{section}]", .. ini.Section(section)]);
        files.Add(new RenderedFile($"{dir}/00-vireo-{m.Bridge}.network", Text(network), Mode644));

        var port = new List<string> { header, "[Match]", $"Name={m.Nic}" };
        if (ini.Sections.Any(s => s.Name == "Link")) port.AddRange(["", "[Link]", .. ini.Section("Link")]);
        port.AddRange(["", "[Network]", $"Bridge={m.Bridge}"]);
        // A file that matches only this NIC is rewritten (its backup keeps the old one); a file that matches others
        // too (Name=en*) stays, and an earlier-sorting file takes the NIC away from it.
        var portPath = MatchesOnlyByExactName(ini, m.Nic) && original.StartsWith("/etc/", StringComparison.Ordinal)
            ? original
            : $"{dir}/00-vireo-{m.Nic}.network";
        files.Add(new RenderedFile(portPath, Text(port), Mode644));
        return files;
    }

    public const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static string Text(List<string> lines) => string.Join('\n', lines) + "\n";
}

using System.Security.Cryptography;
using System.Text;

namespace Vireo.Host.Uplink.Persistence;

/// <summary>
/// NetworkManager keyfiles: a bridge profile with the NIC's addresses and MAC, a port profile that puts the NIC in
/// it, and <c>autoconnect=false</c> in the NIC's old profile so NetworkManager does not pick that one at boot.
/// Keyfiles hold secrets, so NetworkManager ignores any that are not 0600 and owned by root.
/// </summary>
internal static class NetworkManagerRenderer
{
    public const string Dir = "/etc/NetworkManager/system-connections";
    public const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Host paths of the profiles in <c>/etc</c> bound to the NIC by interface name or MAC.</summary>
    public static List<string> ProfilesOf(string root, string nic, string mac)
    {
        var dir = Path.Combine(root, Dir.TrimStart('/'));
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Where(f =>
        {
            var ini = IniFile.Parse(File.ReadAllText(f));
            return ini.Value("connection", "interface-name") == nic ||
                   string.Equals(ini.Value("ethernet", "mac-address"), mac, StringComparison.OrdinalIgnoreCase);
        }).Select(f => "/" + Path.GetRelativePath(root, f)).ToList();
    }

    public static List<RenderedFile> Render(PersistModel m, IReadOnlyList<(string Path, string Text)> oldProfiles, string header)
    {
        var old = oldProfiles.Select(p => IniFile.Parse(p.Text)).FirstOrDefault();
        var bridgeUuid = StableUuid($"vireo-bridge:{m.Bridge}");
        var bridge = new List<string>
        {
            header, "[connection]", $"id={m.Bridge}", $"uuid={bridgeUuid}", "type=bridge", $"interface-name={m.Bridge}",
            "autoconnect=true", "autoconnect-slaves=1", "",
            // cloned-mac-address: the MAC the LAN knows (bridge.mac-address is the deprecated spelling of the same).
            "[ethernet]", $"cloned-mac-address={m.Mac}", $"mtu={m.Mtu}", "",
            "[bridge]", "stp=false", "forward-delay=0", "",
            "[ipv4]", $"method={(m.Dhcp4 ? "auto" : m.StaticV4.Count > 0 ? "manual" : "disabled")}",
        };
        for (var i = 0; i < m.StaticV4.Count; i++)
            bridge.Add($"address{i + 1}={m.StaticV4[i]}{(i == 0 && m.Gateway4 is not null ? $",{m.Gateway4}" : "")}");
        if (m.Gateway4Metric is { } metric) bridge.Add($"route-metric={metric}");
        for (var i = 0; i < m.Routes4.Count; i++)
        {
            var r = m.Routes4[i];
            // Without its own metric a route takes route-metric, which is the default route's; keep the live one.
            var rm = r.Metric ?? (m.Gateway4Metric is null ? null : 0);
            bridge.Add($"route{i + 1}={r.Destination},{r.Gateway ?? "0.0.0.0"}{(rm is null ? "" : $",{rm}")}");
        }
        foreach (var key in (string[])["dns", "dns-search", "ignore-auto-dns"])
            if (old?.Value("ipv4", key) is { } v) bridge.Add($"{key}={v}");
        bridge.AddRange(["", "[ipv6]"]);
        if (m.StaticV6.Count > 0)
        {
            bridge.Add("method=manual");
            for (var i = 0; i < m.StaticV6.Count; i++)
                bridge.Add($"address{i + 1}={m.StaticV6[i]}{(i == 0 && m.Gateway6 is not null ? $",{m.Gateway6}" : "")}");
        }
        else bridge.Add($"method={old?.Value("ipv6", "method") ?? "auto"}");
        foreach (var key in (string[])["addr-gen-mode", "dns", "dns-search"])
            if (old?.Value("ipv6", key) is { } v) bridge.Add($"{key}={v}");

        var port = new List<string>
        {
            header, "[connection]", $"id={m.Bridge}-port-{m.Nic}", $"uuid={StableUuid($"vireo-port:{m.Bridge}:{m.Nic}")}",
            "type=ethernet", $"interface-name={m.Nic}", $"master={bridgeUuid}", "slave-type=bridge", "autoconnect=true",
            // Above any other profile for the NIC (default 0), e.g. the "Wired connection 1" NetworkManager makes itself.
            "autoconnect-priority=100", "", "[ethernet]", $"mtu={m.Mtu}",
        };
        var files = new List<RenderedFile>
        {
            new($"{Dir}/vireo-{m.Bridge}.nmconnection", Text(bridge), Mode600),
            new($"{Dir}/vireo-{m.Bridge}-port-{m.Nic}.nmconnection", Text(port), Mode600),
        };
        files.AddRange(oldProfiles.Select(p => new RenderedFile(p.Path, WithoutAutoconnect(p.Text), Mode600)));
        return files;
    }

    // Only autoconnect changes: the old profile stays, so `nmcli connection up` can still bring it back by hand.
    private static string WithoutAutoconnect(string text)
    {
        var lines = text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n').ToList();
        var section = "";
        var done = false;
        for (var i = 0; i < lines.Count && !done; i++)
        {
            var t = lines[i].Trim();
            if (t.StartsWith('[')) section = t;
            else if (section == "[connection]" && t.Replace(" ", "").StartsWith("autoconnect=", StringComparison.Ordinal))
                (lines[i], done) = ("autoconnect=false", true);
        }
        if (!done)
        {
            var at = lines.FindIndex(l => l.Trim() == "[connection]");
            lines.Insert(at < 0 ? 0 : at + 1, "autoconnect=false");
        }
        return string.Join('\n', lines) + "\n";
    }

    // The same bridge always gets the same UUID: a rerun rewrites its profile instead of adding a twin.
    internal static string StableUuid(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5 layout (name-based)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    private static string Text(List<string> lines) => string.Join('\n', lines) + "\n";
}

namespace Vireo.Host.Uplink.Persistence;

/// <summary>
/// <c>--persist</c>: writes the bridge into the host's own network configuration so it survives a reboot. Detects
/// ifupdown (a stanza for the NIC), systemd-networkd (a .network file for the NIC, networkd running) or
/// NetworkManager (running); writes each file atomically after a timestamped backup of every file it changes (in
/// /var/backups/vireo, where no network tool would load it as configuration). It never restarts networking: the
/// live change is already in place. <paramref name="rootDir"/> lets tests point it at a tree of their own.
/// </summary>
public sealed class PersistentConfigWriter(string rootDir = "/", TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The host tree this writer reads and writes.</summary>
    public string RootDir { get; } = Path.GetFullPath(rootDir);

    /// <summary>Which configuration system owns <paramref name="nic"/>.</summary>
    public NetworkConfigSystem Detect(string nic) => Detection(nic).System;

    private (NetworkConfigSystem System, string? Source) Detection(string nic)
    {
        if (IfupdownFiles().FirstOrDefault(f => IfupdownRenderer.Configures(File.ReadAllText(Host(f)), nic)) is { } ifup)
            return (NetworkConfigSystem.Ifupdown, ifup);
        if (Exists("run/systemd/netif") && NetworkdRenderer.FindNetworkFile(RootDir, nic) is { } network)
            return (NetworkConfigSystem.SystemdNetworkd, "/" + Path.GetRelativePath(RootDir, network));
        if (Exists("etc/NetworkManager") && Exists("run/NetworkManager"))
            return (NetworkConfigSystem.NetworkManager, null);
        return (NetworkConfigSystem.Unknown, null);
    }

    /// <summary>The files <c>--persist</c> would write for <paramref name="plan"/> (host paths); empty when unrecognised.</summary>
    public IReadOnlyList<RenderedFile> Render(UplinkPlan plan) => Render(plan, Detection(plan.Before.Name));

    /// <summary>One paragraph for <c>--dry-run</c>: what will be written, or why nothing can be.</summary>
    public string DescribeAction(UplinkPlan plan)
    {
        var d = Detection(plan.Before.Name);
        var files = Render(plan, d);
        if (d.System == NetworkConfigSystem.Unknown) return UnknownNote(plan);
        return $"{Name(d.System)} configures {plan.Before.Name}{(d.Source is null ? "" : $" ({d.Source})")}; after the check passes, " +
               $"write {string.Join(", ", files.Select(f => f.Path))} (each changed file is backed up first in /var/backups/vireo/uplink-TIME/). " +
               Requirement(d.System, plan);
    }

    /// <summary>Writes the configuration for <paramref name="plan"/>; for an unrecognised system writes nothing and says so.</summary>
    public async Task<PersistOutcome> WriteAsync(UplinkPlan plan, CancellationToken ct)
    {
        var d = Detection(plan.Before.Name);
        if (d.System == NetworkConfigSystem.Unknown)
            return new PersistOutcome(d.System, null, UnknownNote(plan), [], []);
        var files = Render(plan, d);
        var stamp = _clock.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'");
        var backupDir = $"/var/backups/vireo/uplink-{stamp}";
        var backups = new List<string>();
        foreach (var f in files.Where(f => File.Exists(Host(f.Path))))
        {
            var backup = backupDir + f.Path;
            Directory.CreateDirectory(Path.GetDirectoryName(Host(backup))!);
            Os.AtomicFile.WriteBytes(Host(backup), File.ReadAllBytes(Host(f.Path)), File.GetUnixFileMode(Host(f.Path)));
            backups.Add(backup);
        }
        foreach (var f in files) await Os.AtomicFile.WriteAsync(Host(f.Path), f.Content, f.Mode, ct).ConfigureAwait(false);
        var main = files[0].Path;
        var note = $"Wrote {string.Join(", ", files.Select(f => f.Path))}" +
                   (backups.Count > 0 ? $"; the previous versions are in {backupDir}/" : "") + ". " + Requirement(d.System, plan);
        return new PersistOutcome(d.System, main, note, files.Select(f => f.Path).ToList(), backups);
    }

    private List<RenderedFile> Render(UplinkPlan plan, (NetworkConfigSystem System, string? Source) d)
    {
        var m = PersistModel.From(plan);
        var header = $"# Written by `vireo net bridge-uplink {m.Bridge} --from {m.Nic} --persist`: {m.Bridge} carries {m.Nic}'s LAN connection.";
        switch (d.System)
        {
            case NetworkConfigSystem.Ifupdown:
                return [new RenderedFile(d.Source!, IfupdownRenderer.Render(File.ReadAllText(Host(d.Source!)), m), NetworkdRenderer.Mode644)];
            case NetworkConfigSystem.SystemdNetworkd:
                return NetworkdRenderer.Render(m, d.Source!, File.ReadAllText(Host(d.Source!)), header);
            case NetworkConfigSystem.NetworkManager:
                var old = NetworkManagerRenderer.ProfilesOf(RootDir, m.Nic, m.Mac)
                    .Where(p => !Path.GetFileName(p).StartsWith($"vireo-{m.Bridge}", StringComparison.Ordinal))
                    .Select(p => (p, File.ReadAllText(Host(p)))).ToList();
                return NetworkManagerRenderer.Render(m, old, header);
            default:
                return [];
        }
    }

    private string Requirement(NetworkConfigSystem system, UplinkPlan plan) => system switch
    {
        NetworkConfigSystem.Ifupdown => HasBridgeUtils()
            ? "It takes effect at the next boot (bridge_ports is handled by bridge-utils, which is installed)."
            : "ifupdown needs the bridge-utils package for bridge_ports, and it is NOT installed: run `apt-get install bridge-utils` " +
              "before the next reboot, or the host comes up without its bridge (and without network).",
        NetworkConfigSystem.SystemdNetworkd =>
            "It takes effect at the next boot (`networkctl reload` would apply it now, briefly reconfiguring the links).",
        NetworkConfigSystem.NetworkManager =>
            $"It takes effect at the next boot; `nmcli connection reload` loads the profiles now. The old profile of {plan.Before.Name} is kept with autoconnect=false.",
        _ => "",
    };

    // bridge-utils installs ifupdown's bridge hook (if-pre-up.d/bridge) and brctl.
    private bool HasBridgeUtils() =>
        Exists("etc/network/if-pre-up.d/bridge") || Exists("usr/sbin/brctl") || Exists("sbin/brctl");

    private string UnknownNote(UplinkPlan plan)
    {
        var m = PersistModel.From(plan);
        var netplan = Exists("etc/netplan")
            ? $" This host has /etc/netplan: add {m.Bridge} under `bridges:` in a YAML file there (interfaces: [{m.Nic}], macaddress: {m.Mac}, " +
              $"parameters: {{stp: false, forward-delay: 0}}, and the addresses and routes), remove them from {m.Nic}, then `netplan generate`."
            : "";
        return $"Not persisted: could not recognise how this host configures {m.Nic} at boot (no ifupdown stanza for it in " +
               $"/etc/network/interfaces, no systemd-networkd .network file matching it with networkd running, NetworkManager not running). " +
               $"The bridge is live only and will be LOST AT REBOOT, when {m.Nic} comes back with its old configuration. " +
               $"Configure it in the host's network configuration: {m.Summary()}.{netplan}";
    }

    private IEnumerable<string> IfupdownFiles()
    {
        if (Exists("etc/network/interfaces")) yield return "/etc/network/interfaces";
        var d = Host("/etc/network/interfaces.d");
        if (!Directory.Exists(d)) yield break;
        // `source /etc/network/interfaces.d/*` skips no name, but dot-files are not matched by the glob.
        foreach (var f in Directory.EnumerateFiles(d).Order(StringComparer.Ordinal).Where(f => !Path.GetFileName(f).StartsWith('.')))
            yield return "/" + Path.GetRelativePath(RootDir, f);
    }

    private static string Name(NetworkConfigSystem s) => s switch
    {
        NetworkConfigSystem.Ifupdown => "ifupdown",
        NetworkConfigSystem.SystemdNetworkd => "systemd-networkd",
        NetworkConfigSystem.NetworkManager => "NetworkManager",
        _ => "unknown",
    };

    private bool Exists(string relative) => Path.Exists(Path.Combine(RootDir, relative));

    private string Host(string absolute) => Path.Combine(RootDir, absolute.TrimStart('/'));
}

namespace Vireo.Host.Uplink.Persistence;

/// <summary>What a boot-time configuration must say about the bridge, taken from a plan (the live state is the truth).</summary>
internal sealed record PersistModel(
    string Bridge, string Nic, string Mac, int Mtu,
    IReadOnlyList<string> StaticV4, bool Dhcp4, string? Gateway4, int? Gateway4Metric,
    IReadOnlyList<NicRoute> Routes4, IReadOnlyList<string> StaticV6, string? Gateway6)
{
    public static PersistModel From(UplinkPlan plan)
    {
        var moved = plan.MovedAddresses;
        var dhcp4 = moved.Any(a => a.IsIPv4 && a.Dynamic);
        // With DHCP the lease brings the gateway and its routes back; writing them too would duplicate them.
        var routes = plan.MovedRoutes.Where(r => !(dhcp4 && r.Protocol == "dhcp") && r.Table == "main").ToList();
        var gw4 = routes.Where(r => r.Family == "inet" && r.Destination == "default" && r.Gateway is not null)
            .OrderBy(r => r.Metric ?? 0).FirstOrDefault();
        var gw6 = routes.FirstOrDefault(r => r.Family == "inet6" && r.Destination == "default" && r.Gateway is not null);
        return new PersistModel(
            plan.Request.Bridge, plan.Before.Name, plan.Before.Mac.ToLowerInvariant(), plan.Before.Mtu,
            moved.Where(a => a.IsIPv4 && !a.Dynamic).Select(a => a.Cidr).ToList(), dhcp4,
            gw4?.Gateway, gw4?.Metric,
            routes.Where(r => r.Family == "inet" && r.Destination != "default").ToList(),
            moved.Where(a => !a.IsIPv4).Select(a => a.Cidr).ToList(), gw6?.Gateway);
    }

    /// <summary>One line for notes: <c>bridge br0 (port ens33, MAC ..., MTU 1500), 198.51.100.10/24, gateway 198.51.100.1</c>.</summary>
    public string Summary()
    {
        var parts = new List<string> { $"bridge {Bridge} with port {Nic}, MAC {Mac}, MTU {Mtu}, STP off, forward delay 0" };
        if (Dhcp4) parts.Add("IPv4 by DHCP");
        parts.AddRange(StaticV4.Concat(StaticV6).Select(a => $"address {a}"));
        if (Gateway4 is not null) parts.Add($"gateway {Gateway4}{(Gateway4Metric is { } m ? $" metric {m}" : "")}");
        if (Gateway6 is not null) parts.Add($"IPv6 gateway {Gateway6}");
        parts.AddRange(Routes4.Select(r => $"route {r.Describe()}"));
        return string.Join(", ", parts);
    }
}

/// <summary>How a host configures its network at boot.</summary>
public enum NetworkConfigSystem
{
    /// <summary>Not recognised: nothing is written; the change is live only.</summary>
    Unknown,
    /// <summary>Debian's ifupdown (<c>/etc/network/interfaces</c>).</summary>
    Ifupdown,
    /// <summary>systemd-networkd (<c>/etc/systemd/network</c>).</summary>
    SystemdNetworkd,
    /// <summary>NetworkManager keyfiles (<c>/etc/NetworkManager/system-connections</c>).</summary>
    NetworkManager,
}

/// <summary>A file <c>--persist</c> writes.</summary>
/// <param name="Path">Absolute path on the host (not under the writer's root).</param>
/// <param name="Content">Full new content.</param>
/// <param name="Mode">Permission bits for a new file; an existing file keeps its own.</param>
public sealed record RenderedFile(string Path, string Content, UnixFileMode Mode);

/// <summary>What <c>--persist</c> did.</summary>
/// <param name="System">The configuration system recognised.</param>
/// <param name="MainFile">The main file written; null when nothing was written.</param>
/// <param name="Note">What the user must know: packages needed, when it takes effect, or that the change is live only.</param>
/// <param name="Written">Every file written (absolute host paths).</param>
/// <param name="Backups">The backup of every file that existed before (absolute host paths).</param>
public sealed record PersistOutcome(NetworkConfigSystem System, string? MainFile, string Note,
    IReadOnlyList<string> Written, IReadOnlyList<string> Backups);

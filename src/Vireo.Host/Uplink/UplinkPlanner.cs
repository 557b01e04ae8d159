using System.Net;
using System.Net.Sockets;
using Vireo.Host.Os;
using Vireo.Host.Uplink.Persistence;

namespace Vireo.Host.Uplink;

/// <summary>
/// Reads the NIC, refuses what cannot be converted safely, and plans the conversion. <see cref="PlanAsync"/> changes
/// nothing and sends nothing (it only reads the host's state): it is all <c>--dry-run</c> does. The real run then
/// calls <see cref="ProbeAsync"/>, which pings the check address once through the NIC before anything changes.
/// <paramref name="persistence"/> describes what <c>--persist</c> would write (default: the real host's configuration
/// under /).
/// </summary>
public sealed class UplinkPlanner(ICommandRunner runner, PersistentConfigWriter? persistence = null)
{
    private readonly IpReader _ip = new(runner);

    /// <summary>
    /// Plans <paramref name="request"/> without sending a packet; throws <see cref="UplinkRefusedException"/> when it
    /// must not be done.
    /// </summary>
    public async Task<UplinkPlan> PlanAsync(UplinkRequest request, CancellationToken ct)
    {
        var (br, nic) = (request.Bridge, request.Nic);
        InterfaceName.Require("bridge", br);
        InterfaceName.Require("from", nic);
        if (br == nic)
            throw new UplinkRefusedException("bridge", br, "is the NIC itself; give the new bridge another name (e.g. br0)");
        if (request.Timeout <= TimeSpan.Zero)
            throw new UplinkRefusedException("timeout", request.Timeout.ToString(), "must be more than 0 seconds");

        var before = await _ip.SnapshotAsync(nic, ct).ConfigureAwait(false)
            ?? throw new UplinkRefusedException("from", nic,
                "is not an interface on this host", hint: "List the interfaces: ip -br link");
        await RefuseUnsuitableNicAsync(before, ct).ConfigureAwait(false);
        if (await _ip.LinkAsync(br, ct).ConfigureAwait(false) is not null)
            throw new UplinkRefusedException("bridge", br,
                $"is the name of an existing interface; choose a new name, or attach guests to the existing bridge instead of converting {nic}");

        var moved = before.Addresses.Where(Moves).ToList();
        var multipath = before.Routes.FirstOrDefault(r => r.Multipath);
        if (multipath is not null)
            throw new UplinkRefusedException("from", nic,
                $"has the route {multipath.Describe()} with several next hops (or a nexthop object), which Vireo cannot move safely; remove it, convert, and add it again on the bridge");
        var odd = before.Routes.FirstOrDefault(r => r.Unsupported is not null && !r.IsKernel);
        if (odd is not null)
            throw new UplinkRefusedException("from", nic,
                $"has the route {odd.Describe()} with an attribute Vireo cannot move ({odd.Unsupported}); remove it, convert, and add it again on the bridge");
        var routes = before.Routes.Where(r => !r.IsKernel && !r.Expires && r.Protocol != "ra").ToList();

        var (check, source) = ChooseCheck(request, before, routes);
        var plan = new UplinkPlan(request, before, moved, routes, check, source);
        plan.Warnings = Warnings(plan);
        if (request.Persist) plan.PersistAction = (persistence ?? new PersistentConfigWriter()).DescribeAction(plan);
        return plan;
    }

    /// <summary>
    /// The real run's first step, before anything changes: one ping of the check address through the NIC, which tells
    /// whether it answers now (<see cref="UplinkPlan.CheckAnsweredBefore"/>). Never part of a dry run: it sends a packet.
    /// </summary>
    public async Task ProbeAsync(UplinkPlan plan, CancellationToken ct) =>
        plan.CheckAnsweredBefore = await ReachabilityProbe.AnswersAsync(runner, plan.Before.Name, plan.CheckAddress, ct).ConfigureAwait(false);

    private async Task RefuseUnsuitableNicAsync(NicSnapshot nic, CancellationToken ct)
    {
        var name = nic.Name;
        if (nic.LinkType == "loopback")
            throw new UplinkRefusedException("from", name, "is a loopback interface, which cannot be part of a bridge; name the NIC that connects the host to the LAN");
        if (nic.Kind == "bridge")
            throw new UplinkRefusedException("from", name, $"is already a bridge; attach guests to it directly (network type bridge, bridge {name}) instead of converting it",
                hint: $"Make it a network: vireo net create NAME --mode bridge --bridge {name}");
        if (nic.Master is not null)
            throw new UplinkRefusedException("from", name,
                $"is already a port of {nic.Master} (a bridge or bond); convert {nic.Master} instead, or attach guests to it if it is a bridge");
        if (nic.LinkType != "ether")
            throw new UplinkRefusedException("from", name,
                $"has the link type {nic.LinkType}, not Ethernet; only Ethernet NICs (and bonds/VLANs of them) can be bridge ports");
        if (await WirelessAsync(name, ct).ConfigureAwait(false))
            throw new UplinkRefusedException("from", name,
                "is a wireless NIC; a wireless NIC in station (client) mode cannot be bridged: the access point accepts " +
                "only frames from the MAC address that associated with it and drops the guests' frames. Use a NAT network for guests " +
                "on this host (network type nat), or bridge a wired NIC");
        if (!nic.Up)
            throw new UplinkRefusedException("from", name,
                "is down, so no check could pass through it; bring it up and configure it first", hint: $"Bring it up: ip link set dev {name} up");
    }

    // /sys/class/net/NIC/wireless exists for cfg80211 and wireless-extension drivers, phy80211 for every cfg80211
    // device; `ip -d link` shows neither. Read through the runner so namespaces and tests see the same host.
    private async Task<bool> WirelessAsync(string nic, CancellationToken ct)
    {
        var r = await runner.RunAsync("test",
            ["-e", $"/sys/class/net/{nic}/wireless", "-o", "-e", $"/sys/class/net/{nic}/phy80211"],
            TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        if (r.StartError is not null || r.ExitCode > 1)
            throw new IOException($"cannot tell whether {nic} is wireless: test -e /sys/class/net/{nic}/wireless: {r.FailureSummary}");
        return r.ExitCode == 0;
    }

    private static bool Moves(NicAddress a) => a.IsIPv4 || (a.Scope != "link" && !a.Dynamic);

    private static (string Address, string Source) ChooseCheck(UplinkRequest request, NicSnapshot nic, List<NicRoute> routes)
    {
        if (request.CheckAddress is { } given)
        {
            if (!IPAddress.TryParse(given, out var ip) || given.Contains('/'))
                throw new UplinkRefusedException("check", given, "is not an IP address; give the address of a host on the LAN that answers ping (e.g. the router)");
            if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || ip.IsIPv6Multicast ||
                (ip.AddressFamily == AddressFamily.InterNetwork && ip.GetAddressBytes()[0] >= 224))
                throw new UplinkRefusedException("check", given, "is a loopback, unspecified, multicast or broadcast address, which proves nothing about the LAN; give a host on the LAN that answers ping");
            if (nic.Addresses.Any(a => IPAddress.TryParse(a.Local, out var own) && own.Equals(ip)))
                throw new UplinkRefusedException("check", given, $"is {nic.Name}'s own address, which always answers; give another host on the LAN (e.g. the router)");
            return (ip.ToString(), "given with --check");
        }
        var gw = routes.Where(r => r.Destination == "default" && r.Table == "main" && r.Gateway is not null)
            .OrderBy(r => r.Family == "inet" ? 0 : 1).ThenBy(r => r.Metric ?? 0).FirstOrDefault();
        if (gw is null)
            throw new UplinkRefusedException("check", "",
                $"is required: {nic.Name} has no default route with a gateway, so there is nothing to check the bridge against; " +
                "give the address of a host on the LAN that answers ping",
                hint: $"Name one: vireo net bridge-uplink {request.Bridge} --from {nic.Name} --check ADDRESS");
        return (gw.Gateway!, $"gateway of {nic.Name}'s default route");
    }

    private static List<string> Warnings(UplinkPlan plan)
    {
        var (br, nic) = (plan.Request.Bridge, plan.Before.Name);
        var w = new List<string>();
        foreach (var a in plan.MovedAddresses.Where(a => a.Dynamic && a.IsIPv4))
            w.Add($"{a.Cidr} was leased by DHCP on {nic}. On {br} it is kept without expiry, but the DHCP client still watches {nic}: " +
                  $"run the DHCP client on {br} (with --persist, the configuration does so from the next boot). {br} has {nic}'s MAC, so the server gives the same lease.");
        var kept = plan.Before.Addresses.Where(a => !a.IsIPv4 && a.Scope != "link" && a.Dynamic).ToList();
        if (kept.Count > 0)
            w.Add($"autoconfigured IPv6 {string.Join(", ", kept.Select(a => a.Cidr))} stays on {nic}; {br} configures its own from router advertisements (same MAC, so the same SLAAC addresses).");
        if (plan.MovedAddresses.Count == 0)
            w.Add($"{nic} has no address to move; {br} will have none either.");
        return w;
    }
}

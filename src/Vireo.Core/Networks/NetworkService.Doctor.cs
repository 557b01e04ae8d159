using Vireo.Contracts;
using Vireo.Host.Network;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    /// <summary>Meta key under which bridge-uplink records a bridge's uplink NIC (to notice it renamed or gone).</summary>
    internal static string UplinkKey(string bridge) => $"uplink:{bridge}";

    /// <summary>
    /// Checks what breaks VM networking on this host and says how to fix each: forwarding off, another program's
    /// FORWARD drop policy without Vireo's accept rules, a missing masquerade, dnsmasq not running, bridges
    /// missing, down or without ports, subnets overlapping host routes, an uplink NIC renamed under its bridge.
    /// </summary>
    public async Task<NetworkDoctorReport> DoctorAsync(CancellationToken ct)
    {
        var checks = new List<HostCheckItem>();
        void Add(string id, string title, CheckStatus status, string detail, string? fix = null) =>
            checks.Add(new HostCheckItem { Id = id, Title = title, Status = status, Detail = detail, Fix = fix });

        var records = _store.ListNetworks();
        var specs = records.Select(r => (Record: r, Spec: Parse(r))).ToList();
        var active = specs.Where(s => s.Record.Active).ToList();
        var routed = active.Where(s => s.Spec.Mode is NetworkMode.Nat or NetworkMode.Isolated).ToList();

        if (active.Any(s => s.Spec.Mode == NetworkMode.Nat))
        {
            if (NetLinks.IpForwardingEnabled())
                Add("ip-forward", "IPv4 forwarding", CheckStatus.Pass, "net.ipv4.ip_forward = 1");
            else
                Add("ip-forward", "IPv4 forwarding", CheckStatus.Fail, "net.ipv4.ip_forward = 0: NAT networks cannot route VM traffic out (something turned it off after Vireo did)",
                    "sysctl -w net.ipv4.ip_forward=1 (and remove the setting that disables it from /etc/sysctl.d), or vireo net start NAME");
        }

        string? table = null;
        try
        {
            table = await _firewall.ListAsync(ct);
        }
        catch (InvalidOperationException e)
        {
            Add("nftables", "Vireo's nftables table", CheckStatus.Fail, $"cannot list it: {e.Message}", "apt-get install nftables");
        }
        if (routed.Count > 0 && table is null)
            Add("nftables", "Vireo's nftables table", CheckStatus.Fail, "table ip vireo is missing: no masquerade, no forward rules (someone flushed the ruleset?)",
                "vireo net start NAME re-applies it (nft flush ruleset removes every program's rules)");

        foreach (var chain in await SafeAsync(() => _firewall.FindForeignDropChainsAsync(ct), []))
        {
            var rules = await SafeAsync(() => _firewall.NetworksAcceptedInAsync(chain, ct), new HashSet<string>());
            var uncovered = routed.Where(n => !rules.Contains(n.Spec.Name)).Select(n => n.Spec.Name).ToList();
            var where = $"chain {chain.Chain} in table {chain.Family} {chain.Table}";
            if (uncovered.Count == 0)
                Add("forward-policy", "Other firewalls' FORWARD policy", CheckStatus.Pass,
                    $"{where} drops forwarded packets by default; Vireo's accept rules for {(routed.Count == 0 ? "its networks" : string.Join(", ", routed.Select(n => n.Spec.Name)))} are in it");
            else
                Add("forward-policy", "Other firewalls' FORWARD policy", CheckStatus.Fail,
                    $"{where} has policy drop (Docker, firewalld or iptables -P FORWARD DROP do this) and no Vireo accept rule for {string.Join(", ", uncovered)}: VM traffic is dropped there whatever Vireo's table says",
                    $"vireo net start {uncovered[0]} inserts the accept rules again; or allow the bridge yourself, e.g. nft insert rule {chain.Family} {chain.Table} {chain.Chain} iifname \"{routed.First(n => n.Spec.Name == uncovered[0]).Spec.Bridge}\" accept");
        }

        var routes = await SafeAsync(() => _links.ListRoutesAsync(ct), []);
        foreach (var (record, spec) in specs)
        {
            var name = spec.Name;
            if (!record.Active)
            {
                Add($"net-{name}", $"network {name}", spec.Autostart ? CheckStatus.Warn : CheckStatus.Pass,
                    $"inactive{(record.Reason is null ? "" : $" ({record.Reason})")}", spec.Autostart ? $"vireo net start {name}" : null);
                continue;
            }
            switch (spec.Mode)
            {
                case NetworkMode.Nat or NetworkMode.Isolated:
                    await CheckRoutedAsync(spec, table, routes, Add, ct);
                    break;
                case NetworkMode.Bridge:
                    await CheckBridgeAsync(spec, Add, ct);
                    break;
                default:
                    Add($"net-{name}", $"network {name}", CheckStatus.Pass, "user-mode networking needs nothing on the host");
                    break;
            }
        }
        if (specs.Count == 0)
            Add("networks", "Networks", CheckStatus.Warn, "no network is defined; VMs can only use user-mode networking", "vireo net create default");
        return new NetworkDoctorReport { Checks = checks };
    }

    private async Task CheckRoutedAsync(NetworkSpec spec, string? table, IReadOnlyList<RouteInfo> routes, Action<string, string, CheckStatus, string, string?> add, CancellationToken ct)
    {
        var id = $"net-{spec.Name}";
        var title = $"network {spec.Name}";
        var subnet = Ipv4Subnet.ParseRoute(spec.Subnet!)!.Value;
        var gateway = $"{Ipv4Subnet.Format(subnet.Gateway)}/{subnet.Prefix}";
        var link = await _links.GetLinkAsync(spec.Bridge!, ct);
        if (link is null)
        {
            add(id + "-bridge", title, CheckStatus.Fail, $"bridge {spec.Bridge} is gone (deleted by hand or by another tool)", $"vireo net start {spec.Name}");
            return;
        }
        if (!link.Addresses.Contains(gateway))
            add(id + "-bridge", title, CheckStatus.Fail, $"bridge {spec.Bridge} lacks the host address {gateway} (has {string.Join(", ", link.Addresses.DefaultIfEmpty("none"))})", $"vireo net start {spec.Name}");
        else if (!link.Up)
            add(id + "-bridge", title, CheckStatus.Fail, $"bridge {spec.Bridge} is down", $"ip link set {spec.Bridge} up");
        else
        {
            var ports = await _links.BridgePortsAsync(spec.Bridge!, ct);
            add(id + "-bridge", title, ports.Count == 0 ? CheckStatus.Warn : CheckStatus.Pass,
                ports.Count == 0 ? $"bridge {spec.Bridge} has no ports: no VM on it runs (a bridge without ports reports no carrier)" : $"bridge {spec.Bridge} {gateway}, ports: {string.Join(", ", ports)}",
                null);
        }
        var pid = DnsmasqProcess.RunningPid(_paths.ForNetwork(spec.Name));
        add(id + "-dhcp", title, pid is null ? CheckStatus.Fail : CheckStatus.Pass,
            pid is null ? "dnsmasq (DHCP and DNS) is not running: VMs get no address" : $"dnsmasq running (pid {pid})",
            pid is null ? $"vireo net start {spec.Name}; its log is in journalctl -t dnsmasq or syslog" : null);
        if (spec.Mode == NetworkMode.Nat)
        {
            var hasMasquerade = table is not null && table.Contains(spec.Subnet!, StringComparison.Ordinal) && table.Contains("masquerade", StringComparison.Ordinal);
            add(id + "-nat", title, hasMasquerade ? CheckStatus.Pass : CheckStatus.Fail,
                hasMasquerade ? $"masquerade for {spec.Subnet} in table ip {_firewall.TableName}" : $"no masquerade for {spec.Subnet}: VMs cannot reach beyond the host",
                hasMasquerade ? null : $"vireo net start {spec.Name}");
        }
        var loopbackForwards = _store.ListPortForwards().Count(f => f.Network == spec.Name && spec.Mode == NetworkMode.Nat
            && (f.HostAddress.Length == 0 || FirewallModel.IsLoopback(f.HostAddress)));
        if (loopbackForwards > 0)
        {
            var localnet = NetLinks.RouteLocalnet(spec.Bridge!) == true;
            add(id + "-localnet", title, localnet ? CheckStatus.Pass : CheckStatus.Fail,
                localnet
                    ? $"net.ipv4.conf.{spec.Bridge}.route_localnet = 1: its forwards answer on 127.0.0.1 too"
                    : $"net.ipv4.conf.{spec.Bridge}.route_localnet = 0 (something reset it): {loopbackForwards} forward(s) answer from the LAN but not on 127.0.0.1",
                localnet ? null : $"vireo net start {spec.Name}");
        }
        foreach (var route in routes.Where(r => r.Destination != "default" && r.Device != spec.Bridge))
        {
            if (Ipv4Subnet.ParseRoute(route.Destination) is { Prefix: > 0 } other && other.Overlaps(subnet))
                add(id + "-overlap", title, CheckStatus.Fail,
                    $"{spec.Subnet} overlaps the host's route to {route.Destination} on {route.Device}: replies to those machines go to the wrong place",
                    $"move the network: vireo net delete {spec.Name} && vireo net create {spec.Name} --subnet FREE/24");
        }
    }

    private async Task CheckBridgeAsync(NetworkSpec spec, Action<string, string, CheckStatus, string, string?> add, CancellationToken ct)
    {
        var id = $"net-{spec.Name}";
        var title = $"network {spec.Name}";
        var link = await _links.GetLinkAsync(spec.Bridge!, ct);
        if (link?.Kind != "bridge")
        {
            add(id + "-bridge", title, CheckStatus.Fail, $"host bridge {spec.Bridge} does not exist", $"vireo net bridge-uplink {spec.Bridge} --from NIC");
            return;
        }
        var ports = await _links.BridgePortsAsync(spec.Bridge!, ct);
        var uplink = _store.GetMeta(UplinkKey(spec.Bridge!));
        if (uplink is not null && !ports.Contains(uplink))
        {
            var exists = await _links.GetLinkAsync(uplink, ct) is not null;
            add(id + "-uplink", title, CheckStatus.Fail,
                exists ? $"{uplink}, the uplink NIC of {spec.Bridge}, is no longer in the bridge: VMs are cut off from the LAN"
                       : $"{uplink}, the uplink NIC of {spec.Bridge}, no longer exists (renamed? ports now: {string.Join(", ", ports.DefaultIfEmpty("none"))}): VMs are cut off from the LAN",
                exists ? $"ip link set {uplink} master {spec.Bridge}" : $"find the NIC's new name (ip -br link) and put it in the bridge: ip link set NEWNAME master {spec.Bridge}; fix the persistent config too");
            return;
        }
        var physical = ports.Where(p => !p.StartsWith("vt", StringComparison.Ordinal)).ToList();
        add(id + "-uplink", title, physical.Count == 0 ? CheckStatus.Warn : CheckStatus.Pass,
            physical.Count == 0 ? $"bridge {spec.Bridge} has no uplink port: its VMs reach only each other" : $"bridge {spec.Bridge} uplink: {string.Join(", ", physical)}",
            physical.Count == 0 ? $"vireo net bridge-uplink {spec.Bridge} --from NIC" : null);
    }

    private static async Task<T> SafeAsync<T>(Func<Task<T>> call, T fallback)
    {
        try
        {
            return await call();
        }
        catch (InvalidOperationException)
        {
            return fallback;
        }
    }
}

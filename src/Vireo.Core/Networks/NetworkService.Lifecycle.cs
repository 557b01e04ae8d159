using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Host.Network;
using Vireo.Persistence;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    private async Task<NetworkSpec> CreateCoreAsync(NetworkSpec requested, bool start, CancellationToken ct)
    {
        var errors = NetworkRules.Validate(requested);
        if (errors.Count > 0)
            throw InvalidInputException.For("network", errors);
        if (Find(requested.Name) is not null)
            throw new AlreadyExistsException($"network \"{requested.Name}\" already exists")
            {
                Hint = $"Pick another name, or delete that network first: vireo net delete {requested.Name}",
            };

        ThrowIfManagedElsewhere(requested);
        var spec = await CompleteAsync(requested, ct);
        // A network that cannot start is not left behind half-made: nothing changed, as for any bad request.
        await using var revert = new Engine.Reverter("network-create", _log);
        revert.Step("row");
        _store.InsertNetwork(new NetworkRecord
        {
            Name = spec.Name,
            SpecJson = JsonSerializer.Serialize(spec, VireoJsonContext.Default.NetworkSpec),
            DefinedAt = DateTimeOffset.UtcNow,
        });
        Vireo.Host.CrashPoints.Hit("network-create.inserted");
        revert.Add("row", () =>
        {
            _store.DeleteNetwork(spec.Name);
            TryDeleteDirectory(_paths.ForNetwork(spec.Name));
        });
        if (start)
        {
            revert.Step("start");
            // Its own reverter takes the bridge, dnsmasq and firewall entries down again when it fails.
            await StartCoreAsync(spec, ct);
        }
        revert.Success();
        return spec;
    }

    /// <summary>Fills in the subnet and bridge, and refuses overlaps and names already in use.</summary>
    private async Task<NetworkSpec> CompleteAsync(NetworkSpec spec, CancellationToken ct)
    {
        var others = _store.ListNetworks().Select(Parse).ToList();
        var errors = new List<FieldError>();
        void Error(string field, string? value, string message) => errors.Add(new FieldError { Field = field, Value = value, Message = message });

        switch (spec.Mode)
        {
            case NetworkMode.Nat or NetworkMode.Isolated:
            {
                var ownBridges = others.Where(o => o.Mode is NetworkMode.Nat or NetworkMode.Isolated).Select(o => o.Bridge).ToHashSet();
                var routes = await _links.ListRoutesAsync(ct);
                // Our own bridges' routes are the networks themselves, reported once under their name.
                var hostRoutes = routes
                    .Where(r => r.Destination != "default" && (r.Device is null || !ownBridges.Contains(r.Device)))
                    .Select(r => (Route: r, Subnet: Ipv4Subnet.ParseRoute(r.Destination)))
                    .Where(x => x.Subnet is not null && x.Subnet.Value.Prefix > 0)
                    .ToList();
                var taken = others.Where(o => o.Subnet is not null).Select(o => (Name: o.Name, Subnet: Ipv4Subnet.ParseRoute(o.Subnet!)!.Value)).ToList();
                Ipv4Subnet subnet;
                if (spec.Subnet is null)
                {
                    subnet = Ipv4Subnet.FirstFree(taken.Select(t => t.Subnet).Concat(hostRoutes.Select(h => h.Subnet!.Value)))
                        ?? throw InvalidInputException.For("network", [new FieldError { Field = "subnet", Message = "is required here: none of 192.168.122.0/24 to 192.168.254.0/24 is free", Hint = "Give a free range: vireo net create NAME --subnet CIDR" }]);
                }
                else
                {
                    subnet = Ipv4Subnet.TryParse(spec.Subnet, out _)!.Value;
                    foreach (var (name, other) in taken.Where(t => t.Subnet.Overlaps(subnet)))
                        Error("subnet", spec.Subnet, $"overlaps network \"{name}\" ({other}); pick a free range, e.g. {Ipv4Subnet.FirstFree(taken.Select(t => t.Subnet).Concat(hostRoutes.Select(h => h.Subnet!.Value)))}");
                    foreach (var (route, routeSubnet) in hostRoutes.Where(h => h.Subnet!.Value.Overlaps(subnet)))
                        Error("subnet", spec.Subnet, $"overlaps the host's route to {routeSubnet} on {route.Device ?? "?"}; VMs could not reach those machines. Pick a free range");
                }
                var bridge = spec.Bridge ?? NetworkRules.DefaultBridge(spec.Name);
                if (others.Any(o => o.Bridge == bridge))
                    Error("bridge", bridge, $"is already used by network \"{others.First(o => o.Bridge == bridge).Name}\"; give another bridge name");
                else if (await _links.GetLinkAsync(bridge, ct) is { } existing)
                    Error("bridge", bridge, $"already exists on this host ({existing.Kind ?? "interface"}) and is not Vireo's; a nat/isolated network needs a bridge of its own: give another bridge name, or make a bridge network (mode bridge) to attach VMs to it");
                if (errors.Count > 0)
                    throw InvalidInputException.For("network", errors);
                return spec with { Subnet = subnet.ToString(), Bridge = bridge, Domain = spec.Domain ?? spec.Name };
            }
            case NetworkMode.Bridge:
            {
                var link = await _links.GetLinkAsync(spec.Bridge!, ct);
                if (link is null)
                    errors.Add(new FieldError
                    {
                        Field = "bridge",
                        Value = spec.Bridge,
                        Message = "does not exist on this host; create it first",
                        Hint = $"Move a NIC into a new bridge: vireo net bridge-uplink {spec.Bridge} --from NIC",
                    });
                else if (link.Kind != "bridge")
                    errors.Add(new FieldError
                    {
                        Field = "bridge",
                        Value = spec.Bridge,
                        Message = $"is a {link.Kind ?? "plain"} interface, not a bridge; VMs need a bridge",
                        Hint = $"Convert it: vireo net bridge-uplink br0 --from {spec.Bridge}",
                    });
                if (errors.Count > 0)
                    throw InvalidInputException.For("network", errors);
                return spec;
            }
            default:
                return spec;
        }
    }

    /// <summary>Brings a network up on the host; idempotent.</summary>
    private async Task StartCoreAsync(NetworkSpec spec, CancellationToken ct)
    {
        switch (spec.Mode)
        {
            case NetworkMode.Nat or NetworkMode.Isolated:
            {
                ThrowIfManagedElsewhere(spec);
                var subnet = Ipv4Subnet.ParseRoute(spec.Subnet!)!.Value;
                var directory = _paths.ForNetwork(spec.Name);
                try
                {
                    // Idempotent: what was already in place (a network re-applied at vireod start) is not undone.
                    await using var revert = new Engine.Reverter("network-start", _log);
                    revert.Step("bridge");
                    if (await _links.GetLinkAsync(spec.Bridge!, ct) is null)
                        revert.Add("bridge", t => _links.DeleteLinkAsync(spec.Bridge!, t));
                    await _links.EnsureBridgeAsync(spec.Bridge!, $"{Ipv4Subnet.Format(subnet.Gateway)}/{subnet.Prefix}", ct);
                    Vireo.Host.CrashPoints.Hit("network-start.bridge-made");
                    if (spec.Mode == NetworkMode.Nat && !NetLinks.IpForwardingEnabled())
                    {
                        // Masquerade needs routing between interfaces; libvirt turns it on the same way.
                        NetLinks.EnableIpForwarding();
                        _log.LogInformation("enabled IPv4 forwarding (net.ipv4.ip_forward=1) for network {Name}", spec.Name);
                    }
                    revert.Step("dnsmasq");
                    Directory.CreateDirectory(directory);
                    WriteHosts(spec);
                    if (DnsmasqProcess.RunningPid(directory) is null)
                        revert.Add("dnsmasq", t => _dnsmasq.StopAsync(directory, t));
                    await _dnsmasq.StartAsync(DnsmasqSettingsFor(spec, subnet), ct);
                    Vireo.Host.CrashPoints.Hit("network-start.dnsmasq-started");
                    // Undone as one: the row goes inactive first, then the table is rendered again without it.
                    revert.Add("firewall", async t =>
                    {
                        await _firewall.RemoveForeignAcceptsAsync(spec.Name, t);
                        await ApplyFirewallAsync(t);
                    });
                    revert.Add("row", () => _store.UpdateNetworkState(spec.Name, false, "start failed"));
                    revert.Step("row");
                    _store.UpdateNetworkState(spec.Name, true, null);
                    revert.Step("firewall");
                    await ApplyFirewallAsync(ct);
                    revert.Step("taps");
                    await ReattachTapsAsync(spec, ct);
                    revert.Success();
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    _store.UpdateNetworkState(spec.Name, false, e.Message);
                    throw new HostOperationException($"network \"{spec.Name}\" could not start: {e.Message}", e);
                }
                catch (Exception e) when (e is VireoException or OperationCanceledException)
                {
                    _store.UpdateNetworkState(spec.Name, false, e is VireoException ? e.Message : "start cancelled");
                    throw;
                }
                break;
            }
            case NetworkMode.Bridge:
            {
                var link = await _links.GetLinkAsync(spec.Bridge!, ct);
                if (link?.Kind != "bridge")
                {
                    _store.UpdateNetworkState(spec.Name, false, $"host bridge {spec.Bridge} is missing");
                    throw new InvalidStateException($"network \"{spec.Name}\": host bridge {spec.Bridge} does not exist (any more)")
                    {
                        Hint = $"Create it (vireo net bridge-uplink {spec.Bridge} --from NIC), then start the network again: vireo net start {spec.Name}",
                    };
                }
                _store.UpdateNetworkState(spec.Name, true, null);
                await ReattachTapsAsync(spec, ct);
                break;
            }
            default:
                _store.UpdateNetworkState(spec.Name, true, null);
                break;
        }
    }

    private async Task StopCoreAsync(NetworkSpec spec, CancellationToken ct)
    {
        await TearDownAsync(spec, ct);
        _store.UpdateNetworkState(spec.Name, false, "stopped");
        await ApplyFirewallAsync(ct);
    }

    /// <summary>Removes what the network put on the host (bridge, dnsmasq, its foreign accept rules); idempotent.</summary>
    private async Task TearDownAsync(NetworkSpec spec, CancellationToken ct)
    {
        if (spec.Mode is not (NetworkMode.Nat or NetworkMode.Isolated))
            return;
        await _dnsmasq.StopAsync(_paths.ForNetwork(spec.Name), ct);
        await _firewall.RemoveForeignAcceptsAsync(spec.Name, ct);
        await _links.DeleteLinkAsync(spec.Bridge!, ct);
    }

    /// <summary>Renders the whole nftables table from every active network and forward, atomically.</summary>
    private async Task ApplyFirewallAsync(CancellationToken ct)
    {
        // The table is the other vireod's: rendering ours (empty) would wipe its rules.
        if (ManagedElsewhere is not null)
            return;
        var active = _store.ListNetworks().Where(r => r.Active).Select(Parse)
            .Where(s => s.Mode is NetworkMode.Nat or NetworkMode.Isolated).ToList();
        var networks = active.Select(s => new FirewallNetwork(s.Name, s.Bridge!, s.Subnet!, s.Mode == NetworkMode.Nat)).ToList();
        var reservations = _store.ListReservations();
        var forwards = new List<FirewallForward>();
        foreach (var f in _store.ListPortForwards())
        {
            var network = active.FirstOrDefault(s => s.Name == f.Network && s.Mode == NetworkMode.Nat);
            var address = reservations.FirstOrDefault(r => r.Network == f.Network && r.Vm == f.Vm)?.Address;
            if (network is null || address is null)
                continue;
            forwards.Add(new FirewallForward(f.Network, f.Protocol, f.HostAddress.Length == 0 ? null : f.HostAddress, f.HostPort, address, f.GuestPort, network.Bridge!, network.Subnet!));
        }
        if (networks.Count == 0)
        {
            await _firewall.RemoveAsync(ct);
            return;
        }
        await _firewall.ApplyAsync(new FirewallModel(networks, forwards), ct);
        // Another program's FORWARD drop policy (Docker, firewalld, iptables -P FORWARD DROP) would drop VM traffic
        // whatever our table says; a tagged accept at the top of its chain is the one thing that helps.
        await _firewall.EnsureForeignAcceptsAsync(networks, ct);
    }

    /// <summary>Puts the taps of running VMs back into a bridge that was (re)created.</summary>
    private async Task ReattachTapsAsync(NetworkSpec spec, CancellationToken ct)
    {
        foreach (var vm in VmsOn(spec.Name).Where(v => v.Running))
        {
            for (var i = 0; i < vm.Spec.Nics.Count; i++)
            {
                var nic = vm.Spec.Nics[i];
                if (nic.Type != "network" || nic.Network != spec.Name)
                    continue;
                var tap = Engine.VmPlanner.TapName(nic.Mac!);
                if (await _links.GetLinkAsync(tap, ct) is { } link && link.Master != spec.Bridge)
                    await IpLink.AddToBridgeAsync(tap, spec.Bridge!, ct);
            }
        }
    }

    private DnsmasqSettings DnsmasqSettingsFor(NetworkSpec spec, Ipv4Subnet subnet) => new(
        spec.Name, spec.Bridge!, Ipv4Subnet.Format(subnet.Gateway), Ipv4Subnet.Format(subnet.DhcpFirst), Ipv4Subnet.Format(subnet.DhcpLast),
        subnet.Prefix, spec.Domain ?? spec.Name, _paths.ForNetwork(spec.Name), spec.Mode == NetworkMode.Isolated);

    /// <summary>dnsmasq's hosts file: every VM NIC on the network by MAC, with its name and reserved address.</summary>
    private void WriteHosts(NetworkSpec spec)
    {
        var reservations = _store.ListReservations().Where(r => r.Network == spec.Name).ToDictionary(r => r.Vm, r => r.Address);
        var hosts = new List<(string Mac, string Address, string Hostname)>();
        foreach (var vm in VmsOn(spec.Name))
        {
            var first = true;
            foreach (var nic in vm.Spec.Nics.Where(n => n.Type == "network" && n.Network == spec.Name && n.Mac is not null))
            {
                // The reservation belongs to the VM's first NIC on the network; further NICs get names only.
                var address = first && reservations.TryGetValue(vm.Spec.Name, out var reserved) ? reserved : "";
                // The guest's hostname (web_1 -> web-1), the one its kernel command line gives it.
                hosts.Add((nic.Mac!, address, VmNameRules.GuestHostname(vm.Spec.Name)));
                first = false;
            }
        }
        DnsmasqProcess.WriteReservations(_paths.ForNetwork(spec.Name), hosts);
    }

    private async Task RefreshHostsAsync(NetworkSpec spec)
    {
        Directory.CreateDirectory(_paths.ForNetwork(spec.Name));
        WriteHosts(spec);
        await _dnsmasq.ReloadAsync(_paths.ForNetwork(spec.Name));
    }

    private NetworkInfo Info(NetworkRecord record)
    {
        var spec = Parse(record);
        Ipv4Subnet? subnet = spec.Subnet is null ? null : Ipv4Subnet.ParseRoute(spec.Subnet);
        var reservations = _store.ListReservations().Where(r => r.Network == spec.Name).ToList();
        var forwards = _store.ListPortForwards().Where(f => f.Network == spec.Name)
            .Select(f => ToContract(f) with { GuestAddress = reservations.FirstOrDefault(r => r.Vm == f.Vm)?.Address }).ToList();
        var vms = VmsOn(spec.Name);
        return new NetworkInfo
        {
            Name = spec.Name,
            Mode = spec.Mode,
            Subnet = spec.Subnet,
            Gateway = subnet is { } s ? Ipv4Subnet.Format(s.Gateway) : null,
            DhcpRange = subnet is { } r && spec.Mode is NetworkMode.Nat or NetworkMode.Isolated ? $"{Ipv4Subnet.Format(r.DhcpFirst)}-{Ipv4Subnet.Format(r.DhcpLast)}" : null,
            Bridge = spec.Bridge,
            Domain = spec.Domain,
            Active = record.Active,
            Autostart = spec.Autostart,
            Reason = record.Reason,
            Vms = vms.Select(v => v.Spec.Name).Order(StringComparer.Ordinal).ToList(),
            Forwards = forwards,
            Reservations = reservations.Select(r => new DhcpReservation
            {
                Network = r.Network,
                Vm = r.Vm,
                Address = r.Address,
                Mac = vms.FirstOrDefault(v => v.Spec.Name == r.Vm)?.Spec.Nics.FirstOrDefault(n => n.Network == spec.Name)?.Mac,
                Origin = r.Origin,
            }).ToList(),
        };
    }
}

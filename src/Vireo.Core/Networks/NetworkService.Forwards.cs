using System.Globalization;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Network;
using Vireo.Persistence;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    public IReadOnlyList<PortForward> ListForwards(string? network)
    {
        if (network is not null)
            FindRecord(network);
        var reservations = _store.ListReservations();
        return _store.ListPortForwards().Where(f => network is null || f.Network == network)
            .Select(f => ToContract(f) with { GuestAddress = reservations.FirstOrDefault(r => r.Network == f.Network && r.Vm == f.Vm)?.Address })
            .ToList();
    }

    /// <summary>
    /// Forwards a host port to a VM's port. On a nat network the VM gets a DHCP reservation (its current address
    /// when it has one) so that the DNAT target stays valid across restarts; on a user network QEMU forwards it.
    /// </summary>
    public async Task<PortForward> AddForwardAsync(PortForward request, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var errors = NetworkRules.Validate(request);
            if (errors.Count > 0)
                throw InvalidInputException.For("port forward", errors);
            var spec = Parse(FindRecord(request.Network));
            if (spec.Mode is not (NetworkMode.Nat or NetworkMode.User))
                throw InvalidInputException.For("port forward", [new FieldError { Field = "network", Value = spec.Name, Message = $"is a {ModeName(spec.Mode)} network; port forwards need a nat or user network ({(spec.Mode == NetworkMode.Bridge ? "VMs on a bridge are reachable on the LAN directly" : "an isolated network has no way in or out")})" }]);
            var vm = _vms().FirstOrDefault(v => v.Spec.Name == request.Vm)
                ?? throw InvalidInputException.For("port forward", [NotAVm(request.Vm)]);
            var nic = vm.Spec.Nics.FirstOrDefault(n => n.Type == "network" && n.Network == spec.Name)
                ?? throw InvalidInputException.For("port forward", [new FieldError
                {
                    Field = "vm",
                    Value = request.Vm,
                    Message = $"has no NIC on network \"{spec.Name}\"",
                    Hint = $"Give it one: vireo attach-interface {request.Vm} --network network={spec.Name}",
                }]);
            var hostAddress = request.HostAddress ?? "";
            var duplicate = _store.ListPortForwards().FirstOrDefault(f => f.Protocol == request.Protocol && f.HostPort == request.HostPort
                && (f.HostAddress == hostAddress || f.HostAddress.Length == 0 || hostAddress.Length == 0));
            if (duplicate is not null)
                throw new AlreadyExistsException(
                    $"host port {request.HostPort}/{request.Protocol} is already forwarded to {duplicate.Vm}:{duplicate.GuestPort} on network \"{duplicate.Network}\"")
                {
                    Hint = $"Pick another host port, or remove that forward: vireo net forward remove {duplicate.Network} --host-port {duplicate.HostPort}",
                };
            if (ListeningPorts.IsListening(request.Protocol, request.HostPort))
                throw new InvalidStateException(
                    $"host port {request.HostPort}/{request.Protocol} is in use by a program on this host; the forward would take its traffic")
                {
                    Hint = "Pick another host port (ss -lntup shows who listens)",
                };

            // The forward and the reservation it makes (none when the VM has one already) are stored together, in
            // one transaction, so that removing the forward can tell the reservation is its own to remove.
            await using var revert = new Engine.Reverter("forward-add", _log);
            revert.Step("row");
            var reservation = spec.Mode == NetworkMode.Nat ? NewReservationFor(spec, vm.Spec.Name, nic.Mac!) : null;
            if (!_store.InsertPortForward(new PortForwardRecord(spec.Name, request.Protocol, hostAddress, request.HostPort, request.Vm, request.GuestPort), reservation))
                throw new AlreadyExistsException($"host port {request.HostPort}/{request.Protocol} is already forwarded");
            var apply = spec.Mode == NetworkMode.Nat && FindRecord(spec.Name).Active;
            // Undone newest first: the rows go (the forward, and the reservation it made), then the nft table and
            // dnsmasq's hosts file are rendered again from what is left.
            if (apply)
            {
                revert.Add("hosts", _ => RefreshHostsAsync(spec));
                revert.Add("nft", t => ApplyFirewallAsync(t));
            }
            revert.Add("row", () => _store.RemovePortForward(request.Protocol, hostAddress, request.HostPort));
            using var intent = new Operations.OperationJournal(_store).Begin("forward-add", spec.Name, $"{request.Protocol} {hostAddress} {request.HostPort}");
            Vireo.Host.CrashPoints.Hit("forward-add.inserted");
            try
            {
                if (apply)
                {
                    revert.Step("hosts");
                    await RefreshHostsAsync(spec);
                    revert.Step("nft");
                    await ApplyFirewallAsync(ct);
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                throw new HostOperationException($"the forward could not be applied: {e.Message}", e);
            }
            revert.Success();
            Changed?.Invoke(spec.Name, $"port forward {request.HostPort}/{request.Protocol} added");
            return ListForwards(spec.Name).First(f => f.Protocol == request.Protocol && f.HostPort == request.HostPort && (f.HostAddress ?? "") == hostAddress);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Removes a forward, with the reservation it made for its VM when no other forward of the VM needs that any more;
    /// returns what was removed.
    /// </summary>
    public async Task<PortForwardRemoved> RemoveForwardAsync(string network, string protocol, string? hostAddress, int hostPort, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var spec = Parse(FindRecord(network));
            var existing = _store.ListPortForwards().FirstOrDefault(f => f.Network == network && f.Protocol == protocol && f.HostPort == hostPort
                && (hostAddress is null || f.HostAddress == hostAddress))
                ?? throw new NotFoundException("port forward", $"{network} {hostPort}/{protocol}", hint: $"List the forwards: vireo net forward list {network}");
            // The reservation goes too when this forward made it and no other forward of the VM still needs it.
            var removal = _store.RemovePortForward(existing.Protocol, existing.HostAddress, existing.HostPort);
            if (removal.ReleasedReservation is not null && FindRecord(network).Active)
                await RefreshHostsAsync(spec);
            await ApplyFirewallAsync(ct);
            var released = removal.ReleasedReservation;
            Changed?.Invoke(network, $"port forward {hostPort}/{protocol} removed");
            return new PortForwardRemoved
            {
                Forward = ToContract(existing) with { GuestAddress = released?.Address },
                ReleasedReservation = released is null ? null : new DhcpReservation
                {
                    Network = released.Network,
                    Vm = released.Vm,
                    Address = released.Address,
                    Mac = _vms().FirstOrDefault(v => v.Spec.Name == released.Vm)?.Spec.Nics.FirstOrDefault(n => n.Type == "network" && n.Network == network)?.Mac,
                    Origin = released.Origin,
                },
            };
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Gives a VM a fixed address on a nat/isolated network (replacing an earlier reservation).</summary>
    public async Task<DhcpReservation> ReserveAsync(string network, string vmName, string address, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var spec = Parse(FindRecord(network));
            if (spec.Mode is not (NetworkMode.Nat or NetworkMode.Isolated))
                throw InvalidInputException.For("reservation", [new FieldError { Field = "network", Value = network, Message = $"is a {ModeName(spec.Mode)} network; Vireo hands out addresses only on nat and isolated networks" }]);
            var vm = _vms().FirstOrDefault(v => v.Spec.Name == vmName)
                ?? throw InvalidInputException.For("reservation", [NotAVm(vmName)]);
            var nic = vm.Spec.Nics.FirstOrDefault(n => n.Type == "network" && n.Network == network)
                ?? throw InvalidInputException.For("reservation", [new FieldError { Field = "vm", Value = vmName, Message = $"has no NIC on network \"{network}\"" }]);
            var subnet = Ipv4Subnet.ParseRoute(spec.Subnet!)!.Value;
            if (!Ipv4Subnet.TryParseAddress(address, out var value))
                throw InvalidInputException.For("reservation", [new FieldError { Field = "address", Value = address, Message = "is not an IPv4 address" }]);
            if (!subnet.Contains(value) || value < subnet.DhcpFirst || value > subnet.DhcpLast)
                throw InvalidInputException.For("reservation", [new FieldError { Field = "address", Value = address, Message = $"is not a host address of {subnet} (usable: {Ipv4Subnet.Format(subnet.DhcpFirst)}-{Ipv4Subnet.Format(subnet.DhcpLast)}; {Ipv4Subnet.Format(subnet.Gateway)} is the host)" }]);
            var holder = _store.ListReservations().FirstOrDefault(r => r.Network == network && r.Address == address && r.Vm != vmName);
            if (holder is not null)
                throw new AlreadyExistsException($"{address} is already reserved for VM \"{holder.Vm}\" on network \"{network}\"") { Hint = "Pick another address" };
            var previous = _store.ListReservations().FirstOrDefault(r => r.Network == network && r.Vm == vmName);
            // Also when a forward made the reservation: set by the user, it is the user's from now on.
            _store.UpsertReservation(new ReservationRecord(network, vmName, address, ReservationOrigin.User));
            if (FindRecord(network).Active)
            {
                try
                {
                    await RefreshHostsAsync(spec);
                    await ApplyFirewallAsync(ct);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    if (previous is null)
                        _store.DeleteReservation(network, vmName);
                    else
                        _store.UpsertReservation(previous);
                    throw new HostOperationException($"the reservation could not be applied: {e.Message}", e);
                }
            }
            Changed?.Invoke(network, $"address {address} reserved for VM \"{vmName}\"");
            return new DhcpReservation { Network = network, Vm = vmName, Address = address, Mac = nic.Mac, Origin = ReservationOrigin.User };
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task UnreserveAsync(string network, string vmName, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var spec = Parse(FindRecord(network));
            if (_store.ListPortForwards().Any(f => f.Network == network && f.Vm == vmName && spec.Mode == NetworkMode.Nat))
                throw new InvalidStateException($"VM \"{vmName}\" has port forwards on \"{network}\" that need its fixed address")
                {
                    Hint = $"Remove them first (vireo net forward list {network} shows them)",
                };
            if (!_store.DeleteReservation(network, vmName))
                throw new NotFoundException("reservation", $"{network}/{vmName}", hint: $"Show the network's reservations: vireo net info {network}");
            if (FindRecord(network).Active)
                await RefreshHostsAsync(spec);
            Changed?.Invoke(network, $"reservation of VM \"{vmName}\" removed");
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The reservation a new forward to <paramref name="vm"/> makes: null when the VM has one on the network already (the
    /// user's or an earlier forward's), else its current lease's address, or the first free address from the top.
    /// </summary>
    private ReservationRecord? NewReservationFor(NetworkSpec spec, string vm, string mac)
    {
        var reservations = _store.ListReservations().Where(r => r.Network == spec.Name).ToList();
        if (reservations.Any(r => r.Vm == vm))
            return null;
        var subnet = Ipv4Subnet.ParseRoute(spec.Subnet!)!.Value;
        var leases = ReadLeases(spec.Name);
        var taken = reservations.Select(r => r.Address).Concat(leases.Where(l => !string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase)).Select(l => l.Address)).ToHashSet();
        var current = leases.FirstOrDefault(l => string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase))?.Address;
        string? address = current is not null && !taken.Contains(current) ? current : null;
        // Free addresses are taken from the top of the range, away from where dnsmasq hands out dynamic leases.
        for (var a = subnet.DhcpLast; address is null && a >= subnet.DhcpFirst; a--)
        {
            var text = Ipv4Subnet.Format(a);
            if (!taken.Contains(text))
                address = text;
        }
        if (address is null)
            throw new InvalidStateException($"network \"{spec.Name}\" has no free address left to reserve for {vm}");
        return new ReservationRecord(spec.Name, vm, address, ReservationOrigin.Forward);
    }

    private IReadOnlyList<DhcpLease> ReadLeases(string network)
    {
        var file = Path.Combine(_paths.ForNetwork(network), "leases");
        return File.Exists(file) ? DnsmasqLeases.Read(file) : [];
    }

    private static string ModeName(NetworkMode mode) => mode switch
    {
        NetworkMode.Nat => "nat",
        NetworkMode.Isolated => "isolated",
        NetworkMode.Bridge => "bridge",
        _ => "user",
    };

    private static FieldError NotAVm(string name) =>
        new() { Field = "vm", Value = name, Message = "is not a defined VM", Hint = "List the defined VMs: vireo list --all" };
}

/// <summary>Listening sockets of this network namespace, from /proc/net.</summary>
internal static class ListeningPorts
{
    public static bool IsListening(string protocol, int port)
    {
        var files = protocol == "udp" ? new[] { "/proc/net/udp", "/proc/net/udp6" } : ["/proc/net/tcp", "/proc/net/tcp6"];
        foreach (var file in files.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 4)
                    continue;
                var local = fields[1];
                var colon = local.LastIndexOf(':');
                // TCP state 0A is LISTEN; a bound UDP socket shows 07 (unconnected).
                var listening = protocol == "udp" ? fields[3] == "07" : fields[3] == "0A";
                if (listening && colon > 0 && int.Parse(local[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    return true;
            }
        }
        return false;
    }
}

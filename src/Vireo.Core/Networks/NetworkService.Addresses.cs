using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    /// <summary>
    /// A VM's addresses and where each was learned: Vireo's DHCP leases first, then the host's neighbour (ARP)
    /// table, which is the only source for VMs on a LAN bridge; a reservation not yet taken up is shown as such.
    /// </summary>
    public async Task<IReadOnlyList<VmAddress>> AddressesAsync(VmSpec vm, CancellationToken ct)
    {
        var result = new List<VmAddress>();
        var networks = _store.ListNetworks().Select(Parse).ToDictionary(n => n.Name);
        var reservations = _store.ListReservations();
        IReadOnlyList<Vireo.Host.Network.NeighbourInfo>? neighbours = null;
        foreach (var nic in vm.Nics.Where(n => n.Mac is not null))
        {
            var mac = nic.Mac!;
            NetworkSpec? network = nic.Type == "network" && nic.Network is not null && networks.TryGetValue(nic.Network, out var n) ? n : null;
            var label = network?.Name ?? nic.Bridge ?? nic.Type;
            var prefix = network?.Subnet is { } subnet ? Ipv4Subnet.ParseRoute(subnet)?.Prefix : null;
            var found = new HashSet<string>(StringComparer.Ordinal);

            if (network is { Mode: NetworkMode.Nat or NetworkMode.Isolated })
            {
                foreach (var lease in ReadLeases(network.Name).Where(l => string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase) && l.Expires > DateTimeOffset.UtcNow))
                {
                    if (found.Add(lease.Address))
                        result.Add(new VmAddress { Mac = mac, Network = label, Address = WithPrefix(lease.Address, prefix), Source = "lease" });
                }
            }
            if (network?.Mode == NetworkMode.User)
            {
                // QEMU's slirp hands the first guest 10.0.2.15; nothing on the host can see it.
                result.Add(new VmAddress { Mac = mac, Network = label, Address = "10.0.2.15/24", Source = "user-mode" });
                continue;
            }
            neighbours ??= await _links.ListNeighboursAsync(ct);
            foreach (var neighbour in neighbours.Where(x => string.Equals(x.Mac, mac, StringComparison.OrdinalIgnoreCase)
                && x.State is not ("FAILED" or "INCOMPLETE")))
            {
                if (found.Add(neighbour.Address))
                    result.Add(new VmAddress { Mac = mac, Network = label, Address = WithPrefix(neighbour.Address, prefix), Source = "arp" });
            }
            if (found.Count == 0 && network is not null
                && reservations.FirstOrDefault(r => r.Network == network.Name && r.Vm == vm.Name) is { } reservation)
                result.Add(new VmAddress { Mac = mac, Network = label, Address = WithPrefix(reservation.Address, prefix), Source = "reservation" });
        }
        return result;
    }

    private static string WithPrefix(string address, int? prefix) =>
        prefix is { } p ? $"{address}/{p.ToString(CultureInfo.InvariantCulture)}" : address;
}

namespace Vireo.Host.Network;

/// <summary>One network interface as the kernel reports it (<c>ip -details -json addr show</c>).</summary>
/// <param name="Name">Interface name.</param>
/// <param name="Kind">Link kind: "bridge", "tun", "veth", ... or null for a plain device.</param>
/// <param name="Master">The bridge (or bond) this interface is a port of, if any.</param>
/// <param name="Up">Administratively up (the UP flag), not whether it has carrier.</param>
/// <param name="Mac">Hardware address, if it has one.</param>
/// <param name="Addresses">IPv4 addresses in CIDR notation, e.g. "192.168.122.1/24".</param>
public sealed record LinkInfo(string Name, string? Kind, string? Master, bool Up, string? Mac, IReadOnlyList<string> Addresses)
{
    /// <summary>For tun/tap links: whether the device was created with IFF_MULTI_QUEUE.</summary>
    public bool? MultiQueue { get; init; }

    /// <summary>For tun/tap links: "tap" or "tun".</summary>
    public string? TunType { get; init; }
}

/// <summary>One IPv4 route of the main table.</summary>
/// <param name="Destination">"default" or a CIDR ("192.168.122.0/24"; a host route is written "a.b.c.d/32").</param>
/// <param name="Device">Outgoing interface, if any.</param>
/// <param name="Gateway">Next hop, if any.</param>
public sealed record RouteInfo(string Destination, string? Device, string? Gateway);

/// <summary>One IPv4 neighbour (ARP) entry.</summary>
/// <param name="Address">IPv4 address.</param>
/// <param name="Mac">Link-layer address; null while unresolved (INCOMPLETE/FAILED).</param>
/// <param name="Device">Interface the neighbour is on.</param>
/// <param name="State">Kernel state, e.g. "REACHABLE", "STALE", "PERMANENT" (several joined with ',').</param>
public sealed record NeighbourInfo(string Address, string? Mac, string Device, string State);

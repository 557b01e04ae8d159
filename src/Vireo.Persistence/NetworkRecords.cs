namespace Vireo.Persistence;

/// <summary>A stored network: its definition as JSON (not interpreted here) and whether it was last active.</summary>
public sealed record NetworkRecord
{
    public required string Name { get; init; }
    public required string SpecJson { get; init; }
    public bool Active { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset DefinedAt { get; init; }
}

/// <summary>A stored port forward. <see cref="HostAddress"/> is empty for "every address".</summary>
public sealed record PortForwardRecord(string Network, string Protocol, string HostAddress, int HostPort, string Vm, int GuestPort);

/// <summary>A stored DHCP reservation.</summary>
public sealed record ReservationRecord(string Network, string Vm, string Address);

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

/// <summary>
/// A stored DHCP reservation. <see cref="Origin"/> says who made it: <see cref="ReservationOrigin.User"/> or
/// <see cref="ReservationOrigin.Forward"/> (a port forward made it; it goes with the VM's last forward on the network).
/// </summary>
public sealed record ReservationRecord(string Network, string Vm, string Address, string Origin = ReservationOrigin.User);

/// <summary>Values of <see cref="ReservationRecord.Origin"/> (column <c>dhcp_reservations.origin</c>).</summary>
public static class ReservationOrigin
{
    /// <summary>Made with <c>vireo net reserve</c>: only the user removes it.</summary>
    public const string User = "user";

    /// <summary>Made by adding a port forward: removed with the VM's last forward on the network.</summary>
    public const string Forward = "forward";
}

/// <summary>What <see cref="VireoStore.RemovePortForward"/> removed.</summary>
/// <param name="Forward">The forward that was removed; null when there was none.</param>
/// <param name="ReleasedReservation">The reservation the forward had made and no other forward needed; null when none.</param>
public sealed record PortForwardRemoval(PortForwardRecord? Forward, ReservationRecord? ReleasedReservation);

using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>How a virtual network connects its VMs.</summary>
public enum NetworkMode
{
    /// <summary>A bridge owned by Vireo with DHCP/DNS; VMs reach out through the host's masquerade, the LAN cannot reach in (except through port forwards).</summary>
    [JsonStringEnumMemberName("nat")] Nat,
    /// <summary>A bridge owned by Vireo with DHCP/DNS and no route out: VMs reach each other and the host only.</summary>
    [JsonStringEnumMemberName("isolated")] Isolated,
    /// <summary>An existing host bridge (e.g. br0 with the host's NIC in it): VMs are machines on the LAN and get addresses from it.</summary>
    [JsonStringEnumMemberName("bridge")] Bridge,
    /// <summary>QEMU user-mode networking: no privileges, no host setup; port forwards through QEMU itself.</summary>
    [JsonStringEnumMemberName("user")] User,
}

/// <summary>The definition of a virtual network (the body of <c>POST /v1/networks</c>).</summary>
public sealed record NetworkSpec
{
    /// <summary>Unique name, same rule as VM names. Example: <c>default</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Mode. Default <c>nat</c>.</summary>
    public NetworkMode Mode { get; init; } = NetworkMode.Nat;

    /// <summary>IPv4 subnet for nat/isolated, e.g. <c>192.168.122.0/24</c>; the host takes the first address. Null picks the first free /24 from 192.168.122.0/24 up.</summary>
    public string? Subnet { get; init; }

    /// <summary>For bridge mode, the existing host bridge; for nat/isolated, the bridge Vireo creates (default <c>vireo-NAME</c>, at most 15 characters).</summary>
    public string? Bridge { get; init; }

    /// <summary>Start the network when vireod starts. Default true.</summary>
    public bool Autostart { get; init; } = true;

    /// <summary>DNS domain of the network: VMs resolve as NAME.DOMAIN. Default: the network name.</summary>
    public string? Domain { get; init; }
}

/// <summary>A network as <c>vireo net info</c> shows it.</summary>
public sealed record NetworkInfo
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }
    /// <summary>Mode.</summary>
    public required NetworkMode Mode { get; init; }
    /// <summary>Subnet (nat/isolated).</summary>
    public string? Subnet { get; init; }
    /// <summary>Host address on the bridge (nat/isolated), e.g. <c>192.168.122.1</c>.</summary>
    public string? Gateway { get; init; }
    /// <summary>First and last DHCP address (nat/isolated).</summary>
    public string? DhcpRange { get; init; }
    /// <summary>The Linux bridge.</summary>
    public string? Bridge { get; init; }
    /// <summary>DNS domain.</summary>
    public string? Domain { get; init; }
    /// <summary>True when its bridge, DHCP and rules are in place.</summary>
    public bool Active { get; init; }
    /// <summary>Starts with vireod.</summary>
    public bool Autostart { get; init; }
    /// <summary>Why it is not active, or what is wrong with it.</summary>
    public string? Reason { get; init; }
    /// <summary>VMs with a NIC on it.</summary>
    public IReadOnlyList<string> Vms { get; init; } = [];
    /// <summary>Port forwards.</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
    /// <summary>DHCP reservations.</summary>
    public IReadOnlyList<DhcpReservation> Reservations { get; init; } = [];
}

/// <summary>A port on the host forwarded to a VM's port (DNAT that follows the VM's current address).</summary>
public sealed record PortForward
{
    /// <summary>Network the VM is on.</summary>
    public required string Network { get; init; }
    /// <summary><c>tcp</c> or <c>udp</c>.</summary>
    public string Protocol { get; init; } = "tcp";
    /// <summary>Host address to listen on; null for every address of the host.</summary>
    public string? HostAddress { get; init; }
    /// <summary>Host port.</summary>
    public required int HostPort { get; init; }
    /// <summary>Target VM.</summary>
    public required string Vm { get; init; }
    /// <summary>Port in the VM.</summary>
    public required int GuestPort { get; init; }
    /// <summary>The VM address the forward currently points at (null while unknown).</summary>
    public string? GuestAddress { get; init; }
}

/// <summary>A fixed DHCP address for a VM on a nat/isolated network.</summary>
public sealed record DhcpReservation
{
    /// <summary>Network.</summary>
    public required string Network { get; init; }
    /// <summary>VM name.</summary>
    public required string Vm { get; init; }
    /// <summary>The address, inside the network's subnet.</summary>
    public required string Address { get; init; }
    /// <summary>The MAC it is given to (the VM's NIC on this network).</summary>
    public string? Mac { get; init; }
    /// <summary>
    /// Who made it: <c>user</c> (<c>vireo net reserve</c>; only the user removes it) or <c>forward</c> (made when a port
    /// forward was added; removed with the VM's last forward on the network).
    /// </summary>
    public string Origin { get; init; } = "user";
}

/// <summary>What removing a port forward removed (<c>DELETE /v1/networks/{name}/forwards/...</c>).</summary>
public sealed record PortForwardRemoved
{
    /// <summary>The forward that was removed.</summary>
    public required PortForward Forward { get; init; }
    /// <summary>The reservation the forward had made, removed with it because no other forward of the VM needs it; null when none.</summary>
    public DhcpReservation? ReleasedReservation { get; init; }
}

/// <summary>One address of a VM (<c>vireo ip</c>).</summary>
public sealed record VmAddress
{
    /// <summary>NIC MAC.</summary>
    public required string Mac { get; init; }
    /// <summary>Network or bridge the NIC is on.</summary>
    public string? Network { get; init; }
    /// <summary>Address with prefix, e.g. <c>192.168.122.57/24</c>.</summary>
    public required string Address { get; init; }
    /// <summary>Where it was learned: <c>lease</c> (Vireo's DHCP), <c>arp</c> (neighbour table), <c>agent</c>, <c>reservation</c>.</summary>
    public required string Source { get; init; }
}

/// <summary>Body of <c>PUT /v1/networks/{name}/reservations/{vm}</c>.</summary>
public sealed record ReservationRequest
{
    /// <summary>The fixed address, inside the network's subnet.</summary>
    public required string Address { get; init; }
}

/// <summary>What <c>vireo net doctor</c> found: every check with PASS/WARN/FAIL, why, and the fix.</summary>
public sealed record NetworkDoctorReport
{
    /// <summary>The checks, in the order they ran.</summary>
    public required IReadOnlyList<HostCheckItem> Checks { get; init; }
    /// <summary>Number of FAIL items.</summary>
    public int Failures => Checks.Count(c => c.Status == CheckStatus.Fail);
    /// <summary>Number of WARN items.</summary>
    public int Warnings => Checks.Count(c => c.Status == CheckStatus.Warn);
}

/// <summary>Body of <c>POST /v1/host/bridge-uplink</c>: move a NIC into a new bridge, live, with automatic rollback.</summary>
public sealed record BridgeUplinkRequest
{
    /// <summary>The bridge to create, e.g. <c>br0</c>.</summary>
    public required string Bridge { get; init; }
    /// <summary>The NIC that moves into it, e.g. <c>ens33</c>.</summary>
    public required string From { get; init; }
    /// <summary>Address that must answer through the bridge afterwards; default: the NIC's default gateway.</summary>
    public string? Check { get; init; }
    /// <summary>Seconds to wait for the check before rolling back. Default 20.</summary>
    public int TimeoutSeconds { get; init; } = 20;
    /// <summary>Only describe the plan; change nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>Also write the change to the host's persistent network configuration.</summary>
    public bool Persist { get; init; }
}

/// <summary>What <c>vireo net bridge-uplink</c> did (or, with dry-run, would do).</summary>
public sealed record BridgeUplinkResult
{
    /// <summary>The plan, numbered steps as text.</summary>
    public required string Plan { get; init; }
    /// <summary>False for a dry run.</summary>
    public bool Applied { get; init; }
    /// <summary>Milliseconds the whole conversion took, check included.</summary>
    public double ElapsedMs { get; init; }
    /// <summary>Milliseconds until the check address answered through the bridge.</summary>
    public double CheckLatencyMs { get; init; }
    /// <summary>The persistent configuration written, if any.</summary>
    public string? PersistedTo { get; init; }
    /// <summary>What happens at reboot (e.g. that the change is live only).</summary>
    public string? PersistNote { get; init; }
}

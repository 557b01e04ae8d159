namespace Vireo.Host.Uplink;

/// <summary>What <c>vireo net bridge-uplink BRIDGE --from NIC</c> asks for.</summary>
/// <param name="Bridge">Name of the bridge to create (it must not exist yet).</param>
/// <param name="Nic">The NIC that carries the host's LAN connection today.</param>
/// <param name="CheckAddress">Address that must answer through the bridge; null: the gateway of the NIC's default route.</param>
/// <param name="Timeout">How long the check may take before everything is rolled back.</param>
/// <param name="Persist">Also write the host's network configuration so the bridge survives a reboot.</param>
public sealed record UplinkRequest(string Bridge, string Nic, string? CheckAddress, TimeSpan Timeout, bool Persist)
{
    /// <summary>The timeout used when none is given: long enough for a slow switch to relearn the port.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
}

using System.Text.Json.Serialization;

namespace Vireo.Qmp;

/// <summary><c>DEVICE_DELETED</c>: a device's removal completed; its id may be reused.</summary>
/// <param name="Path">The device's QOM path.</param>
/// <param name="Device">The device id, if it had one.</param>
public sealed record DeviceDeletedEvent(string Path, string? Device = null) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "DEVICE_DELETED";
}

/// <summary><c>NIC_RX_FILTER_CHANGED</c>: the guest changed a NIC's receive filter (MAC, multicast); sent once until <c>query-rx-filter</c>.</summary>
/// <param name="Path">The NIC's QOM path.</param>
/// <param name="NetClientName">The NIC's net client name (its id), sent as <c>"name"</c>.</param>
public sealed record NicRxFilterChangedEvent(
    string Path,
    [property: JsonPropertyName("name")] string? NetClientName = null) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "NIC_RX_FILTER_CHANGED";
}

/// <summary><c>VNC_CONNECTED</c>: a VNC client connected (before authentication).</summary>
/// <param name="Server">The server endpoint.</param>
/// <param name="Client">The client endpoint.</param>
public sealed record VncConnectedEvent(VncServerInfo Server, VncClientInfo Client) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "VNC_CONNECTED";
}

/// <summary><c>VNC_DISCONNECTED</c>: a VNC client's connection closed.</summary>
/// <param name="Server">The server endpoint.</param>
/// <param name="Client">The client endpoint.</param>
public sealed record VncDisconnectedEvent(VncServerInfo Server, VncClientInfo Client) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "VNC_DISCONNECTED";
}

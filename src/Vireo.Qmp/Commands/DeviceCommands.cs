using System.Text.Json.Nodes;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>
/// <c>device_add</c>: hot-plugs a device. The arguments are the device's properties as QEMU spells them
/// (<c>driver</c>, <c>id</c>, <c>bus</c>, ...); the device model that builds them lives outside this library.
/// </summary>
/// <param name="Arguments">The device properties; must contain a string <c>driver</c>.</param>
public sealed record DeviceAddCommand(JsonObject Arguments) : QmpEmptyCommand("device_add")
{
    /// <summary>The device properties.</summary>
    public JsonObject Arguments { get; } = ArgumentObjects.Require(Arguments, "device_add", "driver");

    /// <inheritdoc />
    public override JsonObject? BuildArguments() => Arguments;
}

/// <summary>
/// <c>device_del</c>: asks for a device to be unplugged. For most buses the guest must cooperate; completion is
/// signalled by <see cref="DeviceDeletedEvent"/>, not by the reply.
/// </summary>
/// <param name="Id">The device id (or QOM path).</param>
public sealed record DeviceDelCommand(string Id) : QmpEmptyCommand("device_del")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.DeviceDelCommand);
}

/// <summary><c>netdev_add</c>: adds a network backend (tap, user, ...).</summary>
/// <param name="Arguments">The backend properties; must contain string <c>type</c> and <c>id</c>.</param>
public sealed record NetdevAddCommand(JsonObject Arguments) : QmpEmptyCommand("netdev_add")
{
    /// <summary>The backend properties.</summary>
    public JsonObject Arguments { get; } = ArgumentObjects.Require(Arguments, "netdev_add", "type", "id");

    /// <inheritdoc />
    public override JsonObject? BuildArguments() => Arguments;
}

/// <summary><c>netdev_del</c>: removes a network backend.</summary>
/// <param name="Id">The netdev id.</param>
public sealed record NetdevDelCommand(string Id) : QmpEmptyCommand("netdev_del")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.NetdevDelCommand);
}

/// <summary><c>set_link</c>: plugs or unplugs a NIC's virtual cable (the guest sees carrier up or down).</summary>
/// <param name="Device">The NIC's device id (or its netdev id); QAPI calls it <c>name</c>.</param>
/// <param name="Up">True for link up.</param>
public sealed record SetLinkCommand(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Device,
    bool Up) : QmpEmptyCommand("set_link")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.SetLinkCommand);
}

/// <summary><c>blockdev-add</c>: adds a block node (a <c>BlockdevOptions</c> object).</summary>
/// <param name="Arguments">The node options; must contain a string <c>driver</c>.</param>
public sealed record BlockdevAddCommand(JsonObject Arguments) : QmpEmptyCommand("blockdev-add")
{
    /// <summary>The node options.</summary>
    public JsonObject Arguments { get; } = ArgumentObjects.Require(Arguments, "blockdev-add", "driver");

    /// <inheritdoc />
    public override JsonObject? BuildArguments() => Arguments;
}

/// <summary><c>blockdev-del</c>: removes a block node that nothing uses any more.</summary>
/// <param name="NodeName">The node name.</param>
public sealed record BlockdevDelCommand(string NodeName) : QmpEmptyCommand("blockdev-del")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.BlockdevDelCommand);
}

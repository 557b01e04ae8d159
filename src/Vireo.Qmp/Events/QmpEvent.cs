using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Qmp;

/// <summary>
/// An asynchronous QMP event (<c>{"event": NAME, "data": {...}, "timestamp": {...}}</c>). Known events are parsed
/// into the derived records; any other event arrives as <see cref="UnknownEvent"/> with its raw data.
/// </summary>
public abstract record QmpEvent
{
    /// <summary>Creates an event with its wire name.</summary>
    /// <param name="name">The event name, e.g. <c>SHUTDOWN</c>.</param>
    protected QmpEvent(string name)
    {
        Name = name;
    }

    /// <summary>The event name as QEMU sends it, e.g. <c>SHUTDOWN</c>.</summary>
    [JsonIgnore]
    public string Name { get; }

    /// <summary>When QEMU emitted the event (its host clock, microsecond precision).</summary>
    [JsonIgnore]
    public DateTimeOffset Timestamp { get; init; }
}

/// <summary>An event this client has no record for, with its raw data.</summary>
/// <param name="Name">The event name.</param>
/// <param name="Data">The <c>"data"</c> member, or <c>null</c> when the event has none.</param>
public sealed record UnknownEvent(string Name, JsonElement? Data) : QmpEvent(Name);

using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>Turns an event message into its typed record: one table from event name to parser.</summary>
internal static class QmpEventParser
{
    private static QmpJsonContext Ctx => QmpJsonContext.Default;

    private static readonly FrozenDictionary<string, Func<JsonElement?, QmpEvent>> Parsers =
        new Dictionary<string, Func<JsonElement?, QmpEvent>>
        {
            [ShutdownEvent.WireName] = d => Data(d, Ctx.ShutdownEvent),
            [PowerdownEvent.WireName] = _ => new PowerdownEvent(),
            [ResetEvent.WireName] = d => Data(d, Ctx.ResetEvent),
            [StopEvent.WireName] = _ => new StopEvent(),
            [ResumeEvent.WireName] = _ => new ResumeEvent(),
            [SuspendEvent.WireName] = _ => new SuspendEvent(),
            [WakeupEvent.WireName] = _ => new WakeupEvent(),
            [GuestPanickedEvent.WireName] = d => Data(d, Ctx.GuestPanickedEvent),
            [WatchdogEvent.WireName] = d => Data(d, Ctx.WatchdogEvent),
            [RtcChangeEvent.WireName] = d => Data(d, Ctx.RtcChangeEvent),
            [DeviceDeletedEvent.WireName] = d => Data(d, Ctx.DeviceDeletedEvent),
            [NicRxFilterChangedEvent.WireName] = d => Data(d, Ctx.NicRxFilterChangedEvent),
            [VncConnectedEvent.WireName] = d => Data(d, Ctx.VncConnectedEvent),
            [VncDisconnectedEvent.WireName] = d => Data(d, Ctx.VncDisconnectedEvent),
            [BlockJobCompletedEvent.WireName] = d => Data(d, Ctx.BlockJobCompletedEvent),
            [BlockJobCancelledEvent.WireName] = d => Data(d, Ctx.BlockJobCancelledEvent),
            [BlockJobErrorEvent.WireName] = d => Data(d, Ctx.BlockJobErrorEvent),
            [JobStatusChangeEvent.WireName] = d => Data(d, Ctx.JobStatusChangeEvent),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The event names that parse into a typed record.</summary>
    public static IReadOnlyCollection<string> KnownEvents => Parsers.Keys;

    /// <summary>
    /// Parses a message that has an <c>"event"</c> member. Never throws: an event whose data does not have the
    /// documented shape becomes an <see cref="UnknownEvent"/> (and is reported through <paramref name="trace"/>),
    /// because one odd event must not take the connection down.
    /// </summary>
    public static QmpEvent Parse(string name, JsonElement message, Action<string>? trace)
    {
        var timestamp = ReadTimestamp(message);
        JsonElement? data = message.TryGetProperty("data", out var d) ? d : null;
        if (Parsers.TryGetValue(name, out var parse))
        {
            try
            {
                return parse(data) with { Timestamp = timestamp };
            }
            catch (JsonException ex)
            {
                trace?.Invoke($"QMP event {name} does not have the documented shape ({ex.Message}); delivered as UnknownEvent");
            }
        }

        return new UnknownEvent(name, data) { Timestamp = timestamp };
    }

    private static T Data<T>(JsonElement? data, JsonTypeInfo<T> typeInfo) where T : QmpEvent =>
        data is { ValueKind: JsonValueKind.Object } element
            ? element.Deserialize(typeInfo) ?? throw new JsonException("null data")
            : throw new JsonException("missing \"data\" object");

    /// <summary>QEMU's <c>{"seconds": s, "microseconds": us}</c>; falls back to the receive time if absent or odd.</summary>
    private static DateTimeOffset ReadTimestamp(JsonElement message)
    {
        if (message.TryGetProperty("timestamp", out var ts)
            && ts.ValueKind == JsonValueKind.Object
            && ts.TryGetProperty("seconds", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var seconds)
            && ts.TryGetProperty("microseconds", out var us) && us.ValueKind == JsonValueKind.Number && us.TryGetInt64(out var micros)
            && seconds is >= 0 and < 253_402_300_800 && micros is >= 0 and < 1_000_000)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * TimeSpan.TicksPerMicrosecond);
        }

        return DateTimeOffset.UtcNow;
    }
}

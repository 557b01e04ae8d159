using System.Text.Json;

namespace Vireo.Qmp;

/// <summary>Turns an event message into its typed record through one table, one row per event.</summary>
public static class QmpEventParser
{
    private delegate QmpEvent Factory(string name, DateTimeOffset at, JsonElement data);

    private static readonly Dictionary<string, Factory> Table = new(StringComparer.Ordinal)
    {
        ["SHUTDOWN"] = (_, at, d) => new ShutdownEvent(at, d, Bool(d, "guest"), Str(d, "reason") ?? ""),
        ["POWERDOWN"] = (_, at, d) => new PowerdownEvent(at, d),
        ["RESET"] = (_, at, d) => new ResetEvent(at, d, Bool(d, "guest"), Str(d, "reason") ?? ""),
        ["STOP"] = (_, at, d) => new StopEvent(at, d),
        ["RESUME"] = (_, at, d) => new ResumeEvent(at, d),
        ["SUSPEND"] = (_, at, d) => new SuspendEvent(at, d),
        ["WAKEUP"] = (_, at, d) => new WakeupEvent(at, d),
        ["GUEST_PANICKED"] = (_, at, d) => new GuestPanickedEvent(at, d, Str(d, "action") ?? ""),
        ["DEVICE_DELETED"] = (_, at, d) => new DeviceDeletedEvent(at, d, Str(d, "device"), Str(d, "path") ?? ""),
        ["BLOCK_JOB_COMPLETED"] = BlockJob,
        ["BLOCK_JOB_CANCELLED"] = BlockJob,
        ["BLOCK_JOB_READY"] = BlockJob,
        ["BLOCK_JOB_ERROR"] = (_, at, d) => new BlockJobErrorEvent(at, d, Str(d, "device") ?? "", Str(d, "operation") ?? "", Str(d, "action") ?? ""),
        ["JOB_STATUS_CHANGE"] = (_, at, d) => new JobStatusChangeEvent(at, d, Str(d, "id") ?? "", Str(d, "status") ?? ""),
        ["NIC_RX_FILTER_CHANGED"] = (_, at, d) => new NicRxFilterChangedEvent(at, d, Str(d, "name"), Str(d, "path") ?? ""),
        ["VNC_CONNECTED"] = Vnc,
        ["VNC_DISCONNECTED"] = Vnc,
        ["RTC_CHANGE"] = (_, at, d) => new RtcChangeEvent(at, d, d.TryGetProperty("offset", out var o) && o.TryGetInt64(out var v) ? v : 0),
        ["WATCHDOG"] = (_, at, d) => new WatchdogEvent(at, d, Str(d, "action") ?? ""),
    };

    /// <summary>Event names with a typed record.</summary>
    public static IReadOnlyCollection<string> KnownEvents => Table.Keys;

    /// <summary>Parses an event message (a JSON object with <c>event</c>, <c>data</c> and <c>timestamp</c>).</summary>
    /// <exception cref="QmpProtocolException">The message is not an event.</exception>
    public static QmpEvent Parse(JsonElement message)
    {
        if (!message.TryGetProperty("event", out var nameElement) || nameElement.GetString() is not { } name)
            throw new QmpProtocolException($"not a QMP event: {message.GetRawText()}");
        var data = message.TryGetProperty("data", out var d) ? d.Clone() : EmptyObject;
        var at = Timestamp(message);
        try
        {
            return Table.TryGetValue(name, out var factory) ? factory(name, at, data) : new UnknownEvent(name, at, data);
        }
        catch (InvalidOperationException e)
        {
            throw new QmpProtocolException($"malformed {name} event: {message.GetRawText()}", e);
        }
    }

    private static QmpEvent BlockJob(string name, DateTimeOffset at, JsonElement d) =>
        new BlockJobEvent(name, at, d, Str(d, "type") ?? "", Str(d, "device") ?? "", Long(d, "len"), Long(d, "offset"), Str(d, "error"));

    private static QmpEvent Vnc(string name, DateTimeOffset at, JsonElement d) =>
        new VncEvent(name, at, d, d.TryGetProperty("client", out var c) ? Str(c, "host") : null);

    private static DateTimeOffset Timestamp(JsonElement message)
    {
        if (!message.TryGetProperty("timestamp", out var t) ||
            !t.TryGetProperty("seconds", out var s) || !s.TryGetInt64(out var seconds))
            return DateTimeOffset.UtcNow;
        var micro = t.TryGetProperty("microseconds", out var m) && m.TryGetInt64(out var us) ? us : 0;
        // QEMU reports -1/-1 when the host clock is unavailable.
        return seconds < 0 ? DateTimeOffset.UtcNow : DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micro * 10);
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}

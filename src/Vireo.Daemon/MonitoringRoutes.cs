using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Prometheus;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Core.Events;

namespace Vireo.Daemon;

/// <summary>
/// Live events (<c>GET /v1/events</c>, server-sent events), Prometheus metrics (<c>GET /metrics</c>), the UI's short
/// history (<c>GET /v1/stats/history</c>) and how full the host is (<c>GET /v1/host/usage</c>); also starts the
/// sampler behind the history. See docs/api.md and docs/monitoring.md.
/// </summary>
internal static class MonitoringRoutes
{
    /// <summary>Seconds between two samples of the history.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    /// <summary>A comment line goes out this often on an idle stream, so proxies and clients know it is alive.</summary>
    public static TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>One event per line: the wire format without indentation.</summary>
    private static readonly JsonTypeInfo<VireoEvent> EventJson =
        (JsonTypeInfo<VireoEvent>)new JsonSerializerOptions(VireoJsonContext.Default.Options) { WriteIndented = false }.GetTypeInfo(typeof(VireoEvent));

    public static void MapMonitoringApi(this WebApplication app, RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/events", (HttpContext context, string? vm, string? type, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "last_event_id")] string? lastEventId) =>
            StreamEventsAsync(context, engine, vm, type, lastEventId));
        v1.MapGet("/stats/history", (string? vm) =>
        {
            if (vm is not null)
                engine.Get(vm);
            return engine.History.Snapshot(vm);
        });
        v1.MapGet("/host/usage", (CancellationToken ct) => engine.HostUsageAsync(ct));

        var metrics = new VmMetrics(engine);
        app.MapMetrics(settings => settings.Registry = metrics.Registry, "/metrics");

        var lifetime = app.Lifetime;
        lifetime.ApplicationStarted.Register(() =>
        {
            _ = Task.Run(() => engine.RunSamplerAsync(SampleInterval, lifetime.ApplicationStopping));
            _ = Task.Run(async () =>
            {
                var info = await engine.HostInfoAsync(DaemonHost.Version, lifetime.ApplicationStopping);
                if (info.AccelWarning is { } warning)
                    engine.Events.Publish(new VireoEvent { Type = EventTypes.HostAlert, State = "no-acceleration", Message = warning });
            });
        });
    }

    /// <summary>Parses the filters and the resume point, then writes events until the client leaves or is dropped.</summary>
    private static async Task StreamEventsAsync(HttpContext context, VmEngine engine, string? vm, string? type, string? lastEventIdQuery)
    {
        if (vm is not null && Vireo.Core.Specs.VmNameRules.Validate(vm) is { } problem)
            throw new InvalidInputException($"vm: \"{vm}\" is not a VM name: {problem}", [new FieldError { Field = "vm", Value = vm, Message = problem }]);
        if (type is not null && (type.Length == 0 || !EventTypes.All.Any(t => t.StartsWith(type, StringComparison.Ordinal))))
        {
            var message = $"matches no event type; give a type or the start of one: {string.Join(", ", EventTypes.All)}";
            throw new InvalidInputException($"type: \"{type}\" {message}", [new FieldError { Field = "type", Value = type, Message = message }]);
        }
        // EventSource sends Last-Event-ID when it reconnects; a page that opens a new one may pass last_event_id.
        var lastText = context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : lastEventIdQuery;
        long? lastSeq = null;
        if (!string.IsNullOrEmpty(lastText))
        {
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                const string message = "must be the id of an event this stream sent (a whole number)";
                throw new InvalidInputException($"Last-Event-ID: \"{lastText}\" {message}", [new FieldError { Field = "last_event_id", Value = lastText, Message = message }]);
            }
            lastSeq = parsed;
        }

        // A stopping vireod ends the stream at once (the client sees its end) instead of waiting for Kestrel's
        // shutdown timeout with the connection open.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var ct = linked.Token;
        using var subscription = engine.Events.Subscribe(new EventFilter(vm, type), lastSeq);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var writer = new StreamWriter(response.Body, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
        try
        {
            // Headers and a first line at once, so the client knows it is subscribed before anything happens.
            await writer.WriteAsync(": vireo events\nretry: 3000\n\n");
            await writer.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var wrote = false;
                while (subscription.TryRead(out var e))
                {
                    // The overflow notice has no id: a client resuming keeps the id of the last real event it got.
                    if (e!.Type != EventTypes.Overflow)
                        await writer.WriteAsync($"id: {e.Seq.ToString(CultureInfo.InvariantCulture)}\n");
                    await writer.WriteAsync($"data: {JsonSerializer.Serialize(e, EventJson)}\n\n");
                    wrote = true;
                }
                if (wrote)
                    await writer.FlushAsync(ct);
                if (subscription.Ended)
                    break;
                if (!await subscription.WaitAsync(KeepAlive, ct))
                {
                    await writer.WriteAsync(": keep-alive\n\n");
                    await writer.FlushAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException) when (ct.IsCancellationRequested)
        {
        }
    }
}

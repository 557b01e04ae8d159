using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>The JSON API (see docs/api.md). Handlers only translate HTTP to engine calls.</summary>
internal static class ApiRoutes
{
    /// <summary>Largest spec document accepted.</summary>
    private const int MaxSpecBytes = 1024 * 1024;

    /// <summary>A WebSocket upgrade: GET over HTTP/1.1, CONNECT over HTTP/2.</summary>
    private static readonly string[] WebSocketMethods = ["GET", "CONNECT"];

    public static void MapVireoApi(this WebApplication app, VmEngine engine)
    {
        var v1 = app.MapGroup("/v1");
        v1.DescribeVireoApi(engine);

        var remote = app.Services.GetService<RemoteAccess>();
        v1.MapGet("/host", async (CancellationToken ct) => await engine.HostInfoAsync(DaemonHost.Version, ct) is var info && remote is not null
            ? info with { TlsFingerprint = remote.TlsFingerprint, Listen = remote.Listen } : info);
        v1.MapGet("/host/check", (CancellationToken ct) => HostCheck.RunAsync(engine.Paths.Root, ct));

        v1.MapGet("/vms", () => engine.List());
        v1.MapPost("/vms", async (HttpRequest request, [FromQuery(Name = "dry_run")] string? dryRun, [FromQuery(Name = "new_volumes")] string? newVolumes, CancellationToken ct) =>
        {
            var text = await ReadBodyAsync(request, ct);
            if (IdentityRoutes.ParseFlag("dry_run", dryRun))
                return DryRun(request, engine.Preview(text, (newVolumes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            var info = await engine.DefineAsync(text, ct);
            return Results.Json(info, VireoJsonContext.Default.VmInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/vms/{name}/stats", (string name, CancellationToken ct) => engine.StatsAsync(name, ct));
        v1.MapGet("/stats", (CancellationToken ct) => engine.StatsAsync(ct));
        v1.MapPost("/vms/{name}/{action}", async (string name, string action, HttpRequest request, [FromQuery(Name = "async")] string? async, CancellationToken ct) =>
        {
            var shutdown = action == "shutdown" ? await ReadShutdownRequestAsync(request, ct) : null;
            Func<CancellationToken, Task<Vireo.Contracts.ActionResult>> run = action switch
            {
                "start" => c => engine.StartAsync(name, c),
                "shutdown" => c => engine.ShutdownAsync(name, shutdown!, c),
                "destroy" => c => engine.DestroyAsync(name, c),
                "reboot" => c => engine.RebootAsync(name, c),
                "reset" => c => engine.ResetAsync(name, c),
                "suspend" => c => engine.SuspendAsync(name, c),
                "resume" => c => engine.ResumeAsync(name, c),
                _ => throw new InvalidInputException($"unknown action \"{action}\"; actions: start, shutdown, destroy, reboot, reset, suspend, resume",
                    [new FieldError { Field = "action", Value = action, Message = "is not an action", Hint = "Use one of start, shutdown, destroy, reboot, reset, suspend, resume." }]),
            };
            return IdentityRoutes.ParseFlag("async", async)
                ? await LifecycleOperations.StartAsync(engine, action, name, run)
                : Results.Json(await run(ct), VireoJsonContext.Default.ActionResult);
        });
        // Browsers open WebSockets over HTTP/2 (TLS listeners offer h2) as extended CONNECT requests (RFC 8441), not GET.
        v1.MapMethods("/vms/{name}/console", WebSocketMethods, (HttpContext context, string name, bool? force) =>
            ConsoleEndpoint.RelayAsync(context, engine, name, force ?? false));
        v1.MapMethods("/vms/{name}/vnc", WebSocketMethods, (HttpContext context, string name) => VncEndpoint.RelayAsync(context, engine, name));
        v1.MapGet("/vms/{name}/logs", (HttpContext context, string name, bool? follow, int? tail) =>
            LogsEndpoint.StreamAsync(context, engine, name, follow ?? false, tail));
        v1.MapNetworkApi(engine);
        v1.MapDiskApi(engine);
        v1.MapIdentityApi(engine);
        v1.MapEditApi(engine);
        v1.MapStorageApi(engine);
        v1.MapVolumeContentApi(engine);
        v1.MapOperationsApi(engine);
        v1.MapSnapshotApi(engine);
        v1.MapBackupApi(engine);
        // One catalog for GET /v1/os and for the os: of specs.
        engine.OsCatalog = new Vireo.Core.Os.OsCatalog(Vireo.Core.Os.OsCatalog.DefaultSearchPath(),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("osinfo"));
        v1.MapOsApi(engine.OsCatalog);
        v1.MapImportApi(engine);
        v1.MapImageApi(engine);
        v1.MapAgentApi(engine);
        if (remote?.Auth is { } auth)
            v1.MapAuthApi(auth);
        app.MapMonitoringApi(v1, engine);
    }

    /// <summary>
    /// The spec <c>POST /v1/vms?dry_run=true</c> would define: YAML (what <c>GET /v1/vms/{name}/spec</c> gives) when
    /// the client accepts YAML, else JSON.
    /// </summary>
    private static IResult DryRun(HttpRequest request, VmSpec spec) =>
        request.Headers.Accept.ToString().Contains("yaml", StringComparison.OrdinalIgnoreCase)
            ? Results.Text(Vireo.Core.Specs.VmSpecWriter.ToYaml(spec), "text/yaml; charset=utf-8")
            : Results.Json(spec, VireoJsonContext.Default.VmSpec);

    /// <summary>A spec sent as text (YAML or JSON), at most 1 MiB.</summary>
    internal static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxSpecBytes)
            throw new InvalidInputException($"the spec is larger than {MaxSpecBytes / 1024} KiB");
        // A chunked body has no Content-Length: BoundedBody stops it at the limit instead of reading it all first.
        using var reader = new StreamReader(new BoundedBody(request.Body, MaxSpecBytes), Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        if (text.Length > MaxSpecBytes)
            throw new InvalidInputException($"the spec is larger than {MaxSpecBytes / 1024} KiB");
        return text;
    }

    private static async Task<ShutdownRequest> ReadShutdownRequestAsync(HttpRequest request, CancellationToken ct) =>
        await JsonBody.ReadOptionalAsync(request, VireoJsonContext.Default.ShutdownRequest, ct) ?? new ShutdownRequest();
}

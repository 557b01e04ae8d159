using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>Storage pools, volumes and long operations (see docs/api.md). Handlers only translate HTTP to engine calls.</summary>
internal static class StorageRoutes
{

    /// <summary>Longest a <c>GET /v1/operations/{id}?wait_ms=</c> waits for the operation to end.</summary>
    private const int MaxWaitMs = 30_000;

    public static void MapStorageApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        var storage = engine.Storage;
        v1.MapGet("/pools", () => storage.ListPools());
        v1.MapPost("/pools", async (HttpRequest request, CancellationToken ct) =>
        {
            var info = await storage.CreatePoolAsync(await JsonBody.ReadAsync(request, VireoJsonContext.Default.PoolSpec, ct), ct);
            return Results.Json(info, VireoJsonContext.Default.PoolInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/pools/{pool}", (string pool) => storage.GetPool(pool));
        v1.MapDelete("/pools/{pool}", async (string pool, CancellationToken ct) =>
        {
            await storage.DeletePoolAsync(pool, ct);
            return Results.NoContent();
        });

        v1.MapGet("/volumes", (CancellationToken ct) => storage.ListVolumesAsync(null, ct));
        v1.MapGet("/pools/{pool}/volumes", (string pool, CancellationToken ct) => storage.ListVolumesAsync(pool, ct));
        v1.MapPost("/pools/{pool}/volumes", async (string pool, HttpRequest request, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(request, VireoJsonContext.Default.VolumeCreateRequest, ct);
            var info = await storage.CreateVolumeAsync(pool, body, ct);
            return Results.Json(info, VireoJsonContext.Default.VolumeInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/pools/{pool}/volumes/{name}", (string pool, string name, CancellationToken ct) =>
            storage.GetVolumeAsync(StorageNames.Reference(pool, name), ct));
        v1.MapDelete("/pools/{pool}/volumes/{name}", async (string pool, string name, CancellationToken ct) =>
        {
            await storage.DeleteAsync(StorageNames.Reference(pool, name), ct);
            return Results.NoContent();
        });
        v1.MapPost("/pools/{pool}/volumes/{name}/{action}", async (string pool, string name, string action, HttpRequest request, CancellationToken ct) =>
        {
            var reference = StorageNames.Reference(pool, name);
            return action switch
            {
                "resize" => Results.Json(await engine.ResizeVolumeAsync(reference, await JsonBody.ReadAsync(request, VireoJsonContext.Default.VolumeResizeRequest, ct), ct),
                    VireoJsonContext.Default.VolumeInfo),
                "clone" => Accepted(await storage.StartCloneAsync(reference, await JsonBody.ReadAsync(request, VireoJsonContext.Default.VolumeCopyRequest, ct), ct)),
                "convert" => Accepted(await storage.StartConvertAsync(reference, await JsonBody.ReadAsync(request, VireoJsonContext.Default.VolumeCopyRequest, ct), ct)),
                "import" => Accepted(await storage.StartImportAsync(reference, await JsonBody.ReadAsync(request, VireoJsonContext.Default.VolumeImportRequest, ct), ct)),
                _ => throw new InvalidInputException($"unknown volume action \"{action}\"; actions: resize, clone, convert, import"),
            };
        });
    }

    public static void MapOperationsApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        var operations = engine.Operations;
        // Failed operations carry the same error bodies (and statuses) as failed requests.
        operations.DescribeError = ErrorMapping.ToApiError;
        v1.MapGet("/operations", () => operations.List());
        v1.MapGet("/operations/{id}", async (string id, [FromQuery(Name = "wait_ms")] int? waitMs, CancellationToken ct) =>
        {
            // Long polling: the answer comes as soon as the operation ends, so a client sees the end at once
            // without polling fast.
            var wait = TimeSpan.FromMilliseconds(Math.Clamp(waitMs ?? 0, 0, MaxWaitMs));
            return await operations.WaitAsync(id, wait, ct);
        });
        v1.MapDelete("/operations/{id}", (string id) =>
            Results.Json(operations.Cancel(id), VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted));
    }

    private static IResult Accepted(OperationInfo operation) =>
        Results.Json(operation, VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted);

}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>A VM's snapshots (see docs/api.md and docs/snapshots.md).</summary>
internal static class SnapshotRoutes
{

    public static void MapSnapshotApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/vms/{name}/snapshots", (string name) => engine.ListSnapshots(name));
        v1.MapPost("/vms/{name}/snapshots", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadOptionalAsync(request, VireoJsonContext.Default.SnapshotCreateRequest, ct)
                ?? throw new InvalidInputException("the request body is empty; send {\"name\": ...}");
            var info = await engine.CreateSnapshotAsync(name, body, ct);
            return Results.Json(info, VireoJsonContext.Default.SnapshotInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/vms/{name}/snapshots/{snap}", (string name, string snap, CancellationToken ct) => engine.GetSnapshotAsync(name, snap, ct));
        v1.MapDelete("/vms/{name}/snapshots/{snap}", (string name, string snap, CancellationToken ct) => engine.DeleteSnapshotAsync(name, snap, ct));
        v1.MapPost("/vms/{name}/snapshots/{snap}/revert", async (string name, string snap, HttpRequest request, CancellationToken ct) =>
            await engine.RevertSnapshotAsync(name, snap,
                await JsonBody.ReadOptionalAsync(request, VireoJsonContext.Default.SnapshotRevertRequest, ct) ?? new SnapshotRevertRequest(), ct));
    }

}

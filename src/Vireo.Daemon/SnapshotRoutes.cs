using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>A VM's snapshots (see docs/api.md and docs/snapshots.md).</summary>
internal static class SnapshotRoutes
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void MapSnapshotApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/vms/{name}/snapshots", (string name) => engine.ListSnapshots(name));
        v1.MapPost("/vms/{name}/snapshots", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            var body = await ReadJsonAsync(request, VireoJsonContext.Default.SnapshotCreateRequest, ct)
                ?? throw new InvalidInputException("the request body is empty; send {\"name\": ...}");
            var info = await engine.CreateSnapshotAsync(name, body, ct);
            return Results.Json(info, VireoJsonContext.Default.SnapshotInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/vms/{name}/snapshots/{snap}", (string name, string snap, CancellationToken ct) => engine.GetSnapshotAsync(name, snap, ct));
        v1.MapDelete("/vms/{name}/snapshots/{snap}", (string name, string snap, CancellationToken ct) => engine.DeleteSnapshotAsync(name, snap, ct));
        v1.MapPost("/vms/{name}/snapshots/{snap}/revert", async (string name, string snap, HttpRequest request, CancellationToken ct) =>
            await engine.RevertSnapshotAsync(name, snap,
                await ReadJsonAsync(request, VireoJsonContext.Default.SnapshotRevertRequest, ct) ?? new SnapshotRevertRequest(), ct));
    }

    /// <summary>The body as <typeparamref name="T"/>; null when there is none.</summary>
    private static async Task<T?> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
            throw new InvalidInputException($"the request body is larger than {MaxBodyBytes / 1024} KiB");
        if (request.ContentLength is 0)
            return null;
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(ct);
            return string.IsNullOrWhiteSpace(text) ? null : JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
            throw new InvalidInputException($"invalid request body: {e.Message}",
                [new FieldError { Field = field, Message = $"cannot be read: {e.Message.Split(". Path", 2)[0]}" }]);
        }
    }
}

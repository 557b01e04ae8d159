using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Daemon;

/// <summary>The images catalogue: <c>/v1/images</c> (see docs/api.md, docs/images.md). Handlers only translate HTTP to engine calls.</summary>
internal static class ImageRoutes
{
    public static void MapImageApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/images", () => engine.Images.List());
        v1.MapGet("/images/{name}", (string name) => engine.Images.Get(name));
        // An import is long (a conversion of gigabytes): it runs as an operation, followed with GET /v1/operations/{id}.
        v1.MapPost("/images", async (HttpRequest request, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(request, VireoJsonContext.Default.ImageImportRequest, ct);
            var operation = await engine.Images.StartImportAsync(body, ct);
            return Results.Json(operation, VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted);
        });
        v1.MapDelete("/images/{name}", async (string name, CancellationToken ct) =>
        {
            await engine.Images.DeleteAsync(name, ct);
            return Results.NoContent();
        });
    }
}

using Microsoft.AspNetCore.Http.Features;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// A volume's bytes (like <c>virsh vol-upload</c> / <c>vol-download</c>): <c>PUT .../content?format=</c> makes a new
/// volume from the streamed body, <c>GET .../content</c> streams the file. See docs/api.md and docs/storage.md.
/// </summary>
internal static class VolumeContentRoutes
{
    private const string OctetStream = "application/octet-stream";

    public static void MapVolumeContentApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        var storage = engine.Storage;
        v1.MapPut("/pools/{pool}/volumes/{name}/content", async (HttpContext context, string pool, string name, string? format, CancellationToken ct) =>
        {
            var request = context.Request;
            if (request.ContentType is { Length: > 0 } type && !type.StartsWith(OctetStream, StringComparison.OrdinalIgnoreCase))
                throw InvalidInputException.For("volume upload", [new FieldError
                {
                    Field = "Content-Type", Value = type, Message = $"is not {OctetStream}; an upload is the image's bytes", Hint = $"Send Content-Type: {OctetStream}.",
                }]);
            // An image is larger than Kestrel's default body limit (30 MB): the pool's free space bounds it instead.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = null;
            var info = await storage.UploadAsync(pool, name, format, request.ContentLength, request.Body, ct);
            return Results.Json(info, VireoJsonContext.Default.VolumeInfo, statusCode: StatusCodes.Status201Created);
        });
        async Task<IResult> Download(HttpContext context, string pool, string name, CancellationToken ct)
        {
            var content = await storage.OpenContentAsync(StorageNames.Reference(pool, name), ct);
            context.Response.RegisterForDisposeAsync(content);
            context.Response.Headers["X-Vireo-Format"] = content.Format;
            return Results.Stream(content.Content, OctetStream, content.FileName, enableRangeProcessing: true);
        }
        v1.MapGet("/pools/{pool}/volumes/{name}/content", Download);
        // HEAD answers GET's headers (Content-Length, Content-Disposition) without the body; described under GET.
        v1.MapMethods("/pools/{pool}/volumes/{name}/content", [HttpMethods.Head], Download).ExcludeFromDescription();
    }
}

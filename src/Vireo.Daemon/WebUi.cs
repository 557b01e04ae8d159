using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Vireo.Contracts;

namespace Vireo.Daemon;

/// <summary>
/// Serves the web UI (web/dist, built by <c>npm run build</c>) at <c>/</c>: its files as they are, and index.html
/// for every other path outside the API, so that a reload on <c>/vms/web1</c> lands in the single-page app. Vite
/// names the files under <c>assets/</c> by their content hash: those are cached for a year; index.html is
/// revalidated on every load so that an upgraded vireod serves its new UI at once.
/// </summary>
internal static class WebUi
{
    public const string SystemDir = "/usr/share/vireo/web";

    /// <summary>The first of --web-dir, the program's own web/ folder and /usr/share/vireo/web that holds an index.html.</summary>
    public static string? Resolve(string? configured)
    {
        if (configured is not null)
            return File.Exists(Path.Combine(configured, "index.html")) ? configured : null;
        foreach (var dir in new[] { Path.Combine(AppContext.BaseDirectory, "web"), SystemDir })
            if (File.Exists(Path.Combine(dir, "index.html")))
                return dir;
        return null;
    }

    public static void MapWebUi(this WebApplication app, string? configured, ILogger log)
    {
        var dir = Resolve(configured);
        if (dir is null)
        {
            if (configured is not null)
                log.LogWarning("the web UI folder {Dir} has no index.html: the web UI is not served", configured);
            app.MapFallback(context => NotFound(context, "the web UI is not installed on this host"));
            return;
        }
        log.LogInformation("serving the web UI from {Dir}", dir);
        var files = new PhysicalFileProvider(Path.GetFullPath(dir));
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl =
                c.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        app.MapFallback(async context =>
        {
            var path = context.Request.Path;
            // Unknown API paths stay JSON 404s; only page routes fall back to the app.
            if (path.StartsWithSegments("/v1") || path.StartsWithSegments("/assets") || path.StartsWithSegments("/metrics")
                || path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi")
                || !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                await NotFound(context, $"no such path: {path}");
                return;
            }
            var index = files.GetFileInfo("index.html");
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            context.Response.Headers["X-Frame-Options"] = "DENY";
            await context.Response.SendFileAsync(index, context.RequestAborted);
        });
    }

    private static Task NotFound(HttpContext context, string detail)
    {
        var error = new ApiError { Status = StatusCodes.Status404NotFound, Code = ErrorCodes.NotFound, Title = "not found", Detail = detail };
        return Results.Json(error, VireoJsonContext.Default.ApiError, "application/problem+json", StatusCodes.Status404NotFound).ExecuteAsync(context);
    }
}

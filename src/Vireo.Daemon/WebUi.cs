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

    private static readonly string[] NotPages = ["/v1", "/api", "/openapi", "/metrics", "/assets"];

    /// <summary>
    /// A GET or HEAD that no route took, outside the API, its document and reference page, the metrics and the
    /// built assets: a page of the app. This is middleware that looks at the routing result rather than a fallback
    /// route: a fallback that takes every method and path would be a routing candidate for API paths too, and
    /// routing's own 405 (wrong method) and 415 (body type) answers would turn into 404s.
    /// </summary>
    private static bool IsPageRequest(HttpContext context) =>
        context.GetEndpoint() is null
        && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !NotPages.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
        // A missing file (favicon.ico, a stale asset name) is a 404, not the app's page.
        && !Path.HasExtension(context.Request.Path.Value);

    public static void MapWebUi(this WebApplication app, string? configured, ILogger log)
    {
        var dir = Resolve(configured);
        if (dir is null)
        {
            if (configured is not null)
                log.LogWarning("the web UI folder {Dir} has no index.html: the web UI is not served", configured);
            app.Use((context, next) => IsPageRequest(context) ? NotFound(context, "the web UI is not installed on this host") : next(context));
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
        app.Use(async (context, next) =>
        {
            if (!IsPageRequest(context))
            {
                await next(context);
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

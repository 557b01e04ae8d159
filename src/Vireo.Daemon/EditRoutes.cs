using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// Changing a defined VM (see docs/api.md): the whole spec (PUT), single settings (PATCH), both with an optional
/// revision check through If-Match (the revision is the ETag of GET /v1/vms/{name} and of its spec), and
/// <c>dry_run</c> to see what would change.
/// </summary>
internal static class EditRoutes
{
    public static void MapEditApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/vms/{name}", (HttpContext context, string name) =>
        {
            var info = engine.Get(name);
            context.Response.Headers.ETag = ETag(info.Revision);
            return info;
        });
        v1.MapGet("/vms/{name}/spec", (HttpContext context, string name) =>
        {
            var (yaml, revision) = engine.GetDefinition(name);
            context.Response.Headers.ETag = ETag(revision);
            return Results.Text(yaml, "text/yaml; charset=utf-8");
        });
        v1.MapPut("/vms/{name}/spec", async (HttpContext context, string name, [FromQuery(Name = "dry_run")] string? dryRun, CancellationToken ct) =>
        {
            var text = await ApiRoutes.ReadBodyAsync(context.Request, ct);
            var result = await engine.EditAsync(name, text, IfMatch(context.Request), IdentityRoutes.ParseFlag("dry_run", dryRun), ct);
            context.Response.Headers.ETag = ETag(result.Revision);
            return result;
        });
        v1.MapPatch("/vms/{name}", async (HttpContext context, string name, [FromQuery(Name = "dry_run")] string? dryRun, CancellationToken ct) =>
        {
            var settings = await JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.VmSettings, ct);
            var result = await engine.SetAsync(name, settings, IfMatch(context.Request), IdentityRoutes.ParseFlag("dry_run", dryRun), ct);
            context.Response.Headers.ETag = ETag(result.Revision);
            return result;
        });
    }

    private static string ETag(long revision) => "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>The revision in If-Match (<c>"7"</c>, <c>W/"7"</c> or <c>7</c>); null when absent or <c>*</c>.</summary>
    internal static long? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
            return null;
        var text = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        text = text.Trim('"');
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) && revision > 0)
            return revision;
        throw new InvalidInputException($"invalid If-Match header: \"{header}\" is not a revision",
            [new FieldError { Field = "If-Match", Value = header, Message = "is not a revision", Hint = "Send the ETag of GET /v1/vms/{name}, e.g. \"7\"." }]);
    }
}

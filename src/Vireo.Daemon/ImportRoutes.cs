using System.Text;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Core.Import;

namespace Vireo.Daemon;

/// <summary>Moving in from elsewhere: <c>POST /v1/import/libvirt</c> (see docs/api.md).</summary>
internal static class ImportRoutes
{
    public static void MapImportApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        // The body is a libvirt domain XML (virsh dumpxml); dry_run=true converts without defining.
        v1.MapPost("/import/libvirt", async (HttpRequest request, CancellationToken ct) =>
        {
            var dryRun = IdentityRoutes.ParseFlag("dry_run", request.Query["dry_run"]);
            var result = LibvirtDomainImporter.Import(await ReadXmlAsync(request, ct));
            if (dryRun)
                return Results.Json(result, VireoJsonContext.Default.LibvirtImportResult);
            var vm = await engine.DefineAsync(result.Yaml, ct);
            return Results.Json(result with { Defined = true, Vm = vm }, VireoJsonContext.Default.LibvirtImportResult,
                statusCode: StatusCodes.Status201Created);
        });
    }

    private static async Task<string> ReadXmlAsync(HttpRequest request, CancellationToken ct)
    {
        const int max = LibvirtDomainImporter.MaxChars;
        if (request.ContentLength > max * 4L)
            throw new InvalidInputException($"the libvirt domain XML is larger than {max / 1024} KiB");
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[max + 1];
        var read = 0;
        while (read < buffer.Length && await reader.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
            read += n;
        if (read > max)
            throw new InvalidInputException($"the libvirt domain XML is larger than {max / 1024} KiB");
        return new string(buffer, 0, read);
    }
}

using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>VM disks and CD-ROM media (see docs/api.md).</summary>
internal static class DiskRoutes
{
    public static void MapDiskApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapPost("/vms/{name}/disks", async (string name, HttpRequest request, CancellationToken ct) =>
            await engine.AttachDiskAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.DiskSpec, ct), ct));
        v1.MapDelete("/vms/{name}/disks", (string name, string? source, CancellationToken ct) =>
            engine.DetachDiskAsync(name, source ?? throw InvalidInputException.For("disk",
                [new FieldError { Field = "source", Message = "missing; give the disk's volume (POOL/NAME) or image path as the query parameter source" }]), ct));
        v1.MapPut("/vms/{name}/cdroms/{drive:int}", async (string name, int drive, HttpRequest request, CancellationToken ct) =>
        {
            var medium = await JsonBody.ReadAsync(request, VireoJsonContext.Default.MediumRequest, ct);
            if (medium.Path is null && medium.Volume is null)
                throw InvalidInputException.For("CD-ROM medium", [new FieldError { Field = "path", Message = "missing; give path (an ISO) or volume" }]);
            return await engine.ChangeMediumAsync(name, drive, medium.Path, medium.Volume, ct);
        });
        v1.MapPost("/vms/{name}/clone", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            var operation = await engine.StartCloneAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.CloneRequest, ct), ct);
            return Results.Json(operation, VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted);
        });
        v1.MapDelete("/vms/{name}/cdroms/{drive:int}", (string name, int drive, CancellationToken ct) =>
            engine.ChangeMediumAsync(name, drive, null, null, ct));
    }
}

using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>POST /v1/vms/{name}/disks</c>: adds a disk, live when the VM runs.</summary>
    public Task<VmInfo> AttachDiskAsync(string name, DiskSpec disk, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/disks", Json(disk, VireoJsonContext.Default.DiskSpec), VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>DELETE /v1/vms/{name}/disks?source=</c>: removes a disk (by volume or path), live when the VM runs.</summary>
    public Task<VmInfo> DetachDiskAsync(string name, string source, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, $"{VmPath(name)}/disks?source={Uri.EscapeDataString(source)}", null, VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>PUT /v1/vms/{name}/cdroms/{drive}</c>: inserts an ISO, live when the VM runs.</summary>
    public Task<VmInfo> InsertMediumAsync(string name, int drive, MediumRequest medium, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"{VmPath(name)}/cdroms/{drive}", Json(medium, VireoJsonContext.Default.MediumRequest), VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>DELETE /v1/vms/{name}/cdroms/{drive}</c>: ejects the medium.</summary>
    public Task<VmInfo> EjectMediumAsync(string name, int drive, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, $"{VmPath(name)}/cdroms/{drive}", null, VireoJsonContext.Default.VmInfo, ct);
}

public sealed partial class VireoClient
{
    /// <summary><c>POST /v1/vms/{name}/clone</c>: starts a clone of a stopped VM; follow it with <see cref="WaitForOperationAsync"/>.</summary>
    public Task<OperationInfo> CloneVmAsync(string name, CloneRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/clone", Json(request, VireoJsonContext.Default.CloneRequest), VireoJsonContext.Default.OperationInfo, ct);

    /// <summary>What a finished clone operation made: the new VM, its disks, and the volumes that became read-only bases.</summary>
    public static CloneResult? CloneResult(OperationInfo operation) =>
        operation?.Result is { } result ? System.Text.Json.JsonSerializer.Deserialize(result, VireoJsonContext.Default.CloneResult) : null;
}

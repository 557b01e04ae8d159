using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/pools</c>.</summary>
    public async Task<IReadOnlyList<PoolInfo>> ListPoolsAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/pools", VireoJsonContext.Default.ListPoolInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/pools/{pool}</c>.</summary>
    public Task<PoolInfo> GetPoolAsync(string pool, CancellationToken ct = default) =>
        GetJsonAsync(PoolPath(pool), VireoJsonContext.Default.PoolInfo, ct);

    /// <summary><c>POST /v1/pools</c>: defines a directory pool (the directory is created when missing).</summary>
    public Task<PoolInfo> CreatePoolAsync(PoolSpec spec, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/pools", Json(spec, VireoJsonContext.Default.PoolSpec), VireoJsonContext.Default.PoolInfo, ct);

    /// <summary><c>DELETE /v1/pools/{pool}</c>: refused while the pool holds volumes.</summary>
    public Task DeletePoolAsync(string pool, CancellationToken ct = default) =>
        SendNoContentAsync(HttpMethod.Delete, PoolPath(pool), ct);

    /// <summary><c>GET /v1/volumes</c> (every pool) or <c>GET /v1/pools/{pool}/volumes</c>.</summary>
    public async Task<IReadOnlyList<VolumeInfo>> ListVolumesAsync(string? pool = null, CancellationToken ct = default) =>
        await GetJsonAsync(pool is null ? "v1/volumes" : PoolPath(pool) + "/volumes", VireoJsonContext.Default.ListVolumeInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/pools/{pool}/volumes/{name}</c> for <paramref name="volume"/> = <c>POOL/NAME</c>.</summary>
    public Task<VolumeInfo> GetVolumeAsync(string volume, CancellationToken ct = default) =>
        GetJsonAsync(VolumePath(volume), VireoJsonContext.Default.VolumeInfo, ct);

    /// <summary><c>POST /v1/pools/{pool}/volumes</c>: a new empty volume or qcow2 overlay.</summary>
    public Task<VolumeInfo> CreateVolumeAsync(string pool, VolumeCreateRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, PoolPath(pool) + "/volumes", Json(request, VireoJsonContext.Default.VolumeCreateRequest), VireoJsonContext.Default.VolumeInfo, ct);

    /// <summary><c>DELETE /v1/pools/{pool}/volumes/{name}</c>: refused while a VM uses it or it backs another volume.</summary>
    public Task DeleteVolumeAsync(string volume, CancellationToken ct = default) =>
        SendNoContentAsync(HttpMethod.Delete, VolumePath(volume), ct);

    /// <summary><c>POST .../volumes/{name}/resize</c>.</summary>
    public Task<VolumeInfo> ResizeVolumeAsync(string volume, VolumeResizeRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VolumePath(volume) + "/resize", Json(request, VireoJsonContext.Default.VolumeResizeRequest), VireoJsonContext.Default.VolumeInfo, ct);

    /// <summary><c>POST .../volumes/{name}/clone</c>: starts a full copy; follow it with <see cref="WaitForOperationAsync"/>.</summary>
    public Task<OperationInfo> CloneVolumeAsync(string volume, VolumeCopyRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VolumePath(volume) + "/clone", Json(request, VireoJsonContext.Default.VolumeCopyRequest), VireoJsonContext.Default.OperationInfo, ct);

    /// <summary><c>POST .../volumes/{name}/convert</c>: starts a copy in another format.</summary>
    public Task<OperationInfo> ConvertVolumeAsync(string volume, VolumeCopyRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VolumePath(volume) + "/convert", Json(request, VireoJsonContext.Default.VolumeCopyRequest), VireoJsonContext.Default.OperationInfo, ct);

    /// <summary><c>POST .../volumes/{name}/import</c>: starts copying an image file into the pool as <paramref name="volume"/>.</summary>
    public Task<OperationInfo> ImportVolumeAsync(string volume, VolumeImportRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VolumePath(volume) + "/import", Json(request, VireoJsonContext.Default.VolumeImportRequest), VireoJsonContext.Default.OperationInfo, ct);

    private static string PoolPath(string pool)
    {
        if (StorageNames.ValidatePoolName(pool) is { } problem)
            throw new ArgumentException($"pool \"{pool}\" {problem}", nameof(pool));
        return "v1/pools/" + Uri.EscapeDataString(pool);
    }

    // Checked here as well as by vireod: a name such as ".." must never reach a URL, where it would be read as a
    // path step and address another resource.
    private static string VolumePath(string volume)
    {
        if (!StorageNames.TrySplit(volume, out var pool, out var name, out var problem))
            throw new ArgumentException($"volume \"{volume}\" {problem}", nameof(volume));
        return $"v1/pools/{Uri.EscapeDataString(pool)}/volumes/{Uri.EscapeDataString(name)}";
    }
}

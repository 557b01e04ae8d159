using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/images</c>: the built-in kernel images and the catalogue's disk images.</summary>
    public async Task<IReadOnlyList<ImageInfo>> ListImagesAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/images", VireoJsonContext.Default.ListImageInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/images/{name}</c>; not_found naming the known images.</summary>
    public Task<ImageInfo> GetImageAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync("v1/images/" + Uri.EscapeDataString(name), VireoJsonContext.Default.ImageInfo, ct);

    /// <summary><c>POST /v1/images</c>: starts an import (an operation whose result is the <see cref="ImageInfo"/>).</summary>
    public Task<OperationInfo> ImportImageAsync(ImageImportRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/images", Json(request, VireoJsonContext.Default.ImageImportRequest), VireoJsonContext.Default.OperationInfo, ct);

    /// <summary><c>DELETE /v1/images/{name}</c>: refused (invalid_state, naming them) while VMs use it.</summary>
    public Task DeleteImageAsync(string name, CancellationToken ct = default) =>
        SendNoContentAsync(HttpMethod.Delete, "v1/images/" + Uri.EscapeDataString(name), ct);

    /// <summary>The image a finished import made.</summary>
    public static ImageInfo? ImageResult(OperationInfo operation) =>
        operation?.Result?.Deserialize(VireoJsonContext.Default.ImageInfo);
}

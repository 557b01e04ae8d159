using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/os[?family=F]</c>: the operating systems of the osinfo database.</summary>
    public async Task<IReadOnlyList<OsSummary>> ListOsAsync(string? family = null, CancellationToken ct = default) =>
        await GetJsonAsync(string.IsNullOrEmpty(family) ? "v1/os" : "v1/os?family=" + Uri.EscapeDataString(family),
            VireoJsonContext.Default.ListOsSummary, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/os/{id}</c>: one OS by short id or full osinfo id; not_found (with the nearest ids in its hint) when unknown.</summary>
    public Task<OsDetails> GetOsAsync(string id, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        // A full id is a URL: its slashes stay path separators, which the route's catch-all takes back together.
        var path = string.Join('/', id.Split('/').Select(Uri.EscapeDataString));
        return GetJsonAsync("v1/os/" + path, VireoJsonContext.Default.OsDetails, ct);
    }
}

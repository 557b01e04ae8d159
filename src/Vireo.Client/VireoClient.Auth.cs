using System.Globalization;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>POST /v1/tokens</c>: a new token; its secret is in <see cref="TokenInfo.Token"/>, this once.</summary>
    public Task<TokenInfo> CreateTokenAsync(TokenCreateRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/tokens",
            new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.TokenCreateRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.TokenInfo, ct);

    /// <summary><c>GET /v1/tokens</c>: every token (without its secret), revoked and expired ones too.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListTokensAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/tokens", VireoJsonContext.Default.ListTokenInfo, ct).ConfigureAwait(false);

    /// <summary><c>DELETE /v1/tokens/{id}</c>: revokes a token at once.</summary>
    public Task<TokenInfo> RevokeTokenAsync(string id, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, "v1/tokens/" + Uri.EscapeDataString(id), null, VireoJsonContext.Default.TokenInfo, ct);

    /// <summary><c>GET /v1/auth/whoami</c>: who vireod takes this client for.</summary>
    public Task<WhoAmI> WhoAmIAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/auth/whoami", VireoJsonContext.Default.WhoAmI, ct);

    /// <summary><c>GET /v1/audit</c>: the newest audit rows, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(int limit = 100, string? principal = null, CancellationToken ct = default) =>
        await GetJsonAsync($"v1/audit?limit={limit.ToString(CultureInfo.InvariantCulture)}"
            + (principal is null ? "" : "&principal=" + Uri.EscapeDataString(principal)), VireoJsonContext.Default.ListAuditEntry, ct).ConfigureAwait(false);
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>GET /v1/vms/{name}/spec</c>: the definition as YAML (what the VM gets at its next start) and its
    /// revision (the ETag), to send back with <see cref="EditSpecAsync"/>.
    /// </summary>
    public async Task<(string Yaml, long? Revision)> GetDefinitionAsync(string name, CancellationToken ct = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, VmPath(name) + "/spec"), ct).ConfigureAwait(false);
        var yaml = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return (yaml, ParseETag(response.Headers.ETag));
    }

    /// <summary>
    /// <c>PUT /v1/vms/{name}/spec</c>: replaces the definition. With <paramref name="revision"/>, only if nobody
    /// changed it since (else a <see cref="VireoApiException"/> with code <c>stale</c>, HTTP 412).
    /// </summary>
    public Task<EditResult> EditSpecAsync(string name, string specText, long? revision, bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(specText);
        var content = new StringContent(specText, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml") { CharSet = "utf-8" };
        return SendEditAsync(HttpMethod.Put, VmPath(name) + "/spec" + (dryRun ? "?dry_run=true" : ""), content, revision, ct);
    }

    /// <summary><c>PATCH /v1/vms/{name}</c>: changes single settings (<c>vireo set</c>).</summary>
    public Task<EditResult> SetAsync(string name, VmSettings settings, long? revision = null, bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var content = new StringContent(JsonSerializer.Serialize(settings, VireoJsonContext.Default.VmSettings), Encoding.UTF8, "application/json");
        return SendEditAsync(HttpMethod.Patch, VmPath(name) + (dryRun ? "?dry_run=true" : ""), content, revision, ct);
    }

    private async Task<EditResult> SendEditAsync(HttpMethod method, string path, HttpContent content, long? revision, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (revision is { } r)
            request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"" + r.ToString(CultureInfo.InvariantCulture) + "\""));
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize(text, VireoJsonContext.Default.EditResult)
            ?? throw new JsonException("vireod answered JSON null");
    }

    private static long? ParseETag(EntityTagHeaderValue? tag) =>
        tag is not null && long.TryParse(tag.Tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : null;
}

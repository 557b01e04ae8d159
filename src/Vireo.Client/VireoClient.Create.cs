using System.Net.Http.Headers;
using System.Text;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>POST /v1/vms?dry_run=true[&amp;new_volumes=POOL/NAME,...]</c>: the spec vireod would define from
    /// <paramref name="specText"/> (validated, the OS's defaults filled in), as YAML; nothing is defined.
    /// <paramref name="newVolumes"/> are volumes the caller creates before it defines the VM.
    /// </summary>
    public async Task<string> PreviewVmYamlAsync(string specText, string contentType, IReadOnlyCollection<string> newVolumes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(specText);
        var path = "v1/vms?dry_run=true" + (newVolumes.Count == 0 ? "" : "&new_volumes=" + Uri.EscapeDataString(string.Join(',', newVolumes)));
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(specText, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml"));
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
    }
}

using System.Net.Http.Headers;
using System.Text;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>POST /v1/import/libvirt</c>: converts a libvirt domain XML (<c>virsh dumpxml</c>) into a Vireo spec and,
    /// unless <paramref name="dryRun"/>, defines it. The result lists what the spec does not carry.
    /// </summary>
    public Task<LibvirtImportResult> ImportLibvirtAsync(string xml, bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var content = new StringContent(xml, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/xml") { CharSet = "utf-8" };
        return SendJsonAsync(HttpMethod.Post, "v1/import/libvirt" + (dryRun ? "?dry_run=true" : ""), content,
            VireoJsonContext.Default.LibvirtImportResult, ct);
    }
}

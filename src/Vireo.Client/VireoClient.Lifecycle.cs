using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>POST /v1/vms/{name}/{action}?async=true</c>: runs a lifecycle action (start, shutdown, reboot...) as an
    /// operation and returns it at once; <see cref="GetOperationAsync"/> follows it, its result is the
    /// <see cref="ActionResult"/>.
    /// </summary>
    public Task<OperationInfo> StartActionOperationAsync(string name, string action, ShutdownRequest? request = null, CancellationToken ct = default)
    {
        HttpContent? body = request is null
            ? null
            : new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.ShutdownRequest), Encoding.UTF8, "application/json");
        return SendJsonAsync(HttpMethod.Post, $"{VmPath(name)}/{action}?async=true", body, VireoJsonContext.Default.OperationInfo, ct);
    }
}

using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/vms/{name}/agent/ping</c>: whether the guest agent answers within <paramref name="timeoutSeconds"/>.</summary>
    public Task<AgentPingResult> AgentPingAsync(string name, int? timeoutSeconds = null, CancellationToken ct = default) =>
        GetJsonAsync(VmPath(name) + "/agent/ping" + (timeoutSeconds is { } t ? $"?timeout={t}" : ""), VireoJsonContext.Default.AgentPingResult, ct);

    /// <summary><c>GET /v1/vms/{name}/agent/info</c>: the agent's version, the guest OS and host name.</summary>
    public Task<AgentInfo> AgentInfoAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync(VmPath(name) + "/agent/info", VireoJsonContext.Default.AgentInfo, ct);

    /// <summary><c>POST /v1/vms/{name}/agent/exec</c>: runs a program in the guest and waits for it (or its timeout).</summary>
    public Task<ExecResult> ExecAsync(string name, ExecRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/agent/exec",
            new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.ExecRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.ExecResult, ct);

    /// <summary><c>POST /v1/vms/{name}/agent/set-user-password</c>.</summary>
    public Task<ActionResult> SetUserPasswordAsync(string name, SetUserPasswordRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/agent/set-user-password",
            new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.SetUserPasswordRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.ActionResult, ct);
}

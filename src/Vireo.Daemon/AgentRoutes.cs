using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Daemon;

/// <summary>The guest agent: <c>/v1/vms/{name}/agent/...</c> (see docs/api.md, docs/guest-agent.md).</summary>
internal static class AgentRoutes
{
    /// <summary>An exec body carries up to 1 MiB of stdin, base64-encoded.</summary>
    private const int MaxExecBodyBytes = 2 * 1024 * 1024;

    public static void MapAgentApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapGet("/vms/{name}/agent/ping", (string name, int? timeout, CancellationToken ct) => engine.AgentPingAsync(name, timeout, ct));
        v1.MapGet("/vms/{name}/agent/info", (string name, CancellationToken ct) => engine.AgentInfoAsync(name, ct));
        v1.MapPost("/vms/{name}/agent/exec", async (string name, HttpRequest request, CancellationToken ct) =>
            await engine.ExecAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.ExecRequest, ct, MaxExecBodyBytes), ct));
        v1.MapPost("/vms/{name}/agent/set-user-password", async (string name, HttpRequest request, CancellationToken ct) =>
            await engine.SetUserPasswordAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.SetUserPasswordRequest, ct), ct));
    }
}

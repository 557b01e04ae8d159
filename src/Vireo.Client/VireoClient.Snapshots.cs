using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/vms/{name}/snapshots</c>: the VM's snapshots, oldest first, with parent, children and current.</summary>
    public async Task<IReadOnlyList<SnapshotInfo>> ListSnapshotsAsync(string name, CancellationToken ct = default) =>
        await GetJsonAsync(VmPath(name) + "/snapshots", VireoJsonContext.Default.ListSnapshotInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/vms/{name}/snapshots/{snap}</c>.</summary>
    public Task<SnapshotInfo> GetSnapshotAsync(string name, string snap, CancellationToken ct = default) =>
        GetJsonAsync(SnapshotPath(name, snap), VireoJsonContext.Default.SnapshotInfo, ct);

    /// <summary><c>POST /v1/vms/{name}/snapshots</c>: takes a snapshot (with RAM by default when the VM runs).</summary>
    public Task<SnapshotInfo> CreateSnapshotAsync(string name, SnapshotCreateRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendJsonAsync(HttpMethod.Post, VmPath(name) + "/snapshots",
            new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.SnapshotCreateRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.SnapshotInfo, ct);
    }

    /// <summary><c>POST /v1/vms/{name}/snapshots/{snap}/revert</c>: the snapshot becomes current; the VM's unsaved state is lost.</summary>
    public Task<ActionResult> RevertSnapshotAsync(string name, string snap, SnapshotRevertRequest? request = null, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, SnapshotPath(name, snap) + "/revert",
            new StringContent(JsonSerializer.Serialize(request ?? new SnapshotRevertRequest(), VireoJsonContext.Default.SnapshotRevertRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.ActionResult, ct);

    /// <summary><c>DELETE /v1/vms/{name}/snapshots/{snap}</c>: its children move up to its parent.</summary>
    public Task<ActionResult> DeleteSnapshotAsync(string name, string snap, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, SnapshotPath(name, snap), null, VireoJsonContext.Default.ActionResult, ct);

    private static string SnapshotPath(string name, string snap)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(snap);
        return VmPath(name) + "/snapshots/" + Uri.EscapeDataString(snap);
    }
}

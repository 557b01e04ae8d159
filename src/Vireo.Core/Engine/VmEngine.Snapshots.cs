using Vireo.Contracts;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>A VM's snapshots, oldest first, each with its parent, children and whether it is current.</summary>
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string name) => Find(name).ListSnapshots();

    /// <summary>One snapshot, with the size of its RAM image when it has one.</summary>
    public Task<SnapshotInfo> GetSnapshotAsync(string name, string snap, CancellationToken ct) => Find(name).GetSnapshotAsync(snap, ct);

    /// <summary>
    /// Takes a snapshot: with RAM (default for a running or paused VM) or disk-only (default when stopped). Every
    /// writable disk must be qcow2. The new snapshot becomes current; its parent is the previous current one.
    /// </summary>
    public async Task<SnapshotInfo> CreateSnapshotAsync(string name, SnapshotCreateRequest request, CancellationToken ct) =>
        SnapshotChanged(name, $"snapshot \"{request.Name}\" created", await Find(name).CreateSnapshotAsync(request, ct));

    /// <summary>Reverts to a snapshot, which becomes current; the VM's unsaved state is discarded.</summary>
    public async Task<ActionResult> RevertSnapshotAsync(string name, string snap, SnapshotRevertRequest request, CancellationToken ct) =>
        SnapshotChanged(name, $"reverted to snapshot \"{snap}\"", await Find(name).RevertSnapshotAsync(snap, request, ct));

    /// <summary>Deletes a snapshot; its children move up to its parent. Data others still need stays in the disks.</summary>
    public async Task<ActionResult> DeleteSnapshotAsync(string name, string snap, CancellationToken ct) =>
        SnapshotChanged(name, $"snapshot \"{snap}\" deleted", await Find(name).DeleteSnapshotAsync(snap, ct));

    /// <summary>Announces a change of a VM's snapshots (GET /v1/events: vm.changed).</summary>
    private T SnapshotChanged<T>(string vm, string message, T result)
    {
        Events.Publish(new VireoEvent { Type = EventTypes.VmChanged, Vm = vm, Message = message });
        return result;
    }
}

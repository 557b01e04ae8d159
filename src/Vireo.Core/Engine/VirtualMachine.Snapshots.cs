using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;
using Vireo.Qemu;

namespace Vireo.Core.Engine;

/// <summary>
/// Snapshots as qcow2 internal snapshots (what `virsh snapshot-create-as` makes by default): each lives inside
/// the VM's qcow2 disks and qcow2 refcounts every cluster, so deleting a snapshot frees only what neither another
/// snapshot nor the current state uses, in whatever order snapshots are reverted and deleted. Vireo keeps the tree
/// (parent, current) in its store; a record is written only after QEMU or qemu-img succeeded.
/// </summary>
internal sealed partial class VirtualMachine
{
    private static readonly Lazy<QemuImg> Img = new(QemuImg.Locate);

    public IReadOnlyList<SnapshotInfo> ListSnapshots()
    {
        var records = _ctx.Store.ListSnapshots(Uuid);
        return records.Select(r => ToInfo(r, records)).ToList();
    }

    public async Task<SnapshotInfo> GetSnapshotAsync(string snap, CancellationToken ct)
    {
        var records = _ctx.Store.ListSnapshots(Uuid);
        var info = ToInfo(FindSnapshot(records, snap), records);
        var holder = info.Disks.FirstOrDefault(d => d.HoldsVmState);
        if (holder is null || !File.Exists(holder.Path))
            return info;
        try
        {
            // -U: a running QEMU holds the image; its snapshot table is written when a snapshot is taken.
            var onDisk = await Image().ListSnapshotsAsync(holder.Path, Qemu.Model.DiskFormat.Qcow2, forceShare: true, ct);
            return info with { VmStateSize = onDisk.FirstOrDefault(s => s.Name == snap)?.VmStateSize };
        }
        catch (QemuImgException e)
        {
            Log.LogDebug("VM {Name}: cannot read the snapshots of {Path}: {Error}", Name, holder.Path, e.Message);
            return info;
        }
    }

    public Task<SnapshotInfo> CreateSnapshotAsync(SnapshotCreateRequest request, CancellationToken ct)
    {
        ValidateSnapshotName(request.Name);
        return Serialised(VmAction.Snapshot, async () =>
        {
            var snap = request.Name;
            if (_ctx.Store.ListSnapshots(Uuid).Any(r => r.Name == snap))
                throw new AlreadyExistsException($"VM \"{Name}\" already has a snapshot named \"{snap}\"")
                {
                    Hint = $"Pick another name, or delete that snapshot first: vireo snapshot delete {Name} {snap}",
                };
            var targets = SnapshotDisks.Writable(Name, _ctx.Planner.Plan(Spec, Paths).Config.BlockNodes);
            QemuSession? session;
            VmState state;
            lock (_gate)
            {
                session = _session;
                state = _state;
            }
            var kind = request.Kind ?? (session is null ? SnapshotKind.Disk : SnapshotKind.Memory);
            if (kind == SnapshotKind.Memory && session is null)
                throw new InvalidStateException($"VM \"{Name}\" is not running, so it has no RAM to save")
                {
                    Hint = $"Take a disk-only snapshot (vireo snapshot create {Name} {snap} --disk-only), or start the VM first",
                };

            string? consistency = null;
            // After the disks hold the snapshot, every later step (UEFI variables, RAM layout, the row) is undone
            // with them: a snapshot nobody recorded would only hide space and block its name.
            await using var revert = new Reverter("snapshot-create", Log);
            revert.Step("disks");
            try
            {
                await RefuseUnrecordedAsync(targets, snap, forceShare: session is not null, ct);
                // Registered before the disks change: a snapshot half-made on some disks (one qemu-img failed, a live
                // job cancelled) is removed from all of them; disks that do not hold it are skipped.
                revert.Add("disks", t => UnsnapshotAsync(session, targets, snap, t));
                if (session is null)
                    await CreateOfflineAsync(targets, snap, ct);
                else if (kind == SnapshotKind.Memory)
                    await SaveLiveAsync(session, targets, snap, revert, ct);
                else
                    consistency = await CreateDiskOnlyLiveAsync(session, targets, snap, ct);
            }
            catch (Exception e)
            {
                throw TranslateSnapshot(e, "snapshot");
            }

            revert.Step("uefi-vars");
            revert.Add("uefi-vars", () => DeleteSnapshotUefiVars(snap));
            SaveSnapshotUefiVars(snap);
            revert.Step("layout");
            var layout = kind == SnapshotKind.Memory && session is not null ? await RunningLayoutAsync(session, ct) : null;
            var record = new SnapshotRecord
            {
                VmUuid = Uuid,
                Name = snap,
                Kind = KindText(kind),
                VmState = VmStateMachine.Describe(session is null ? VmState.Stopped : state),
                CreatedAt = DateTimeOffset.UtcNow,
                Description = request.Description,
                DisksJson = JsonSerializer.Serialize(targets.Select((t, i) => new SnapshotDisk
                {
                    Path = t.Path,
                    Node = t.Node,
                    HoldsVmState = kind == SnapshotKind.Memory && i == 0,
                }).ToList(), VireoJsonContext.Default.ListSnapshotDisk),
                ReadOnlyDisksJson = JsonSerializer.Serialize(SnapshotDisks.ReadOnly(Spec).ToList(), VireoJsonContext.Default.ListString),
                MemoryLayoutJson = layout is null ? null : JsonSerializer.Serialize(layout, VireoJsonContext.Default.SnapshotLayout),
            };
            Vireo.Host.CrashPoints.Hit("snapshot-create.disks-done");
            revert.Step("row");
            _ctx.Store.InsertSnapshot(record);
            revert.Success();
            Log.LogInformation("VM {Name}: snapshot {Snap} taken ({Kind}, {Disks} disks)", Name, snap, record.Kind, targets.Count);
            var records = _ctx.Store.ListSnapshots(Uuid);
            return ToInfo(FindSnapshot(records, snap), records) with { Consistency = consistency };
        }, ct, $"create {request.Name}");
    }

    public Task<ActionResult> RevertSnapshotAsync(string snap, SnapshotRevertRequest request, CancellationToken ct)
    {
        if (request.State is { } wanted && wanted is not (VmState.Running or VmState.Paused))
            throw new InvalidInputException($"a revert can leave the VM running or paused, not {VmStateMachine.Describe(wanted)}",
                [new FieldError { Field = "state", Value = VmStateMachine.Describe(wanted), Message = "must be running or paused" }]);
        return Serialised(VmAction.Snapshot, async () =>
        {
            var record = FindSnapshot(_ctx.Store.ListSnapshots(Uuid), snap);
            var disks = ReadDisks(record);
            var blockNodes = _ctx.Planner.Plan(Spec, Paths).Config.BlockNodes;
            var nodes = SnapshotDisks.Current(disks, blockNodes);
            if (nodes.FirstOrDefault(n => n.Node is null) is { Disk: { } missing })
                throw new InvalidStateException($"snapshot \"{snap}\" covers the disk {missing.Path}, which VM \"{Name}\" no longer has; attach it again to revert");
            // The RAM image holds the guest's view of its devices: loaded into a QEMU with a disk the guest never saw,
            // the guest runs on without it while QEMU and the spec keep it (found by hand: the revert "worked", the
            // guest had only vda). Refused, like the opposite case above, before anything changes.
            if (ParseKind(record.Kind) == SnapshotKind.Memory
                && SnapshotDisks.AddedSince(disks, ReadReadOnlyDisks(record), blockNodes, SnapshotDisks.ReadOnly(Spec)) is { Count: > 0 } added)
            {
                var names = added.Select(DiskName).ToList();
                throw new InvalidStateException($"VM \"{Name}\" has {(names.Count == 1 ? "the disk" : "the disks")} {string.Join(", ", names)}, attached after snapshot \"{snap}\" was taken; its RAM image has never seen {(names.Count == 1 ? "it" : "them")}")
                {
                    Hint = $"Detach {(names.Count == 1 ? "it" : "them")} first (vireo disk detach {Name} {names[0]}), then revert",
                };
            }

            string message;
            try
            {
                // One undo stack (see VirtualMachine.Snapshots.Revert.cs): what comes before the point of no return
                // (the disks or the guest's state replaced) is put back when a later step fails or is cancelled.
                await using var revert = new Reverter("snapshot-revert", Log);
                // After the revert the disks hold older content than the backup bitmaps describe, so an incremental
                // built on them would miss the blocks the revert changed; and QEMU refuses to load a snapshot onto a
                // disk with active bitmaps anyway. Dropping them first makes the next backup a full one (not undone:
                // a full backup where an incremental could have been is the only cost).
                revert.Step("bitmaps");
                await InvalidateBackupBitmapsAsync(ct);
                message = ParseKind(record.Kind) == SnapshotKind.Memory
                    ? await RevertMemoryAsync(record, nodes.Select(n => new SnapshotTarget(n.Disk.Path, n.Node!)).ToList(),
                        disks.FirstOrDefault(d => d.HoldsVmState)?.Path ?? disks[0].Path, request.State, revert, ct)
                    : await RevertDiskOnlyAsync(record, disks, request, revert, ct);
            }
            catch (Exception e)
            {
                throw TranslateSnapshot(e, "revert");
            }
            Log.LogInformation("VM {Name}: reverted to snapshot {Snap}", Name, snap);
            return Result(message);
        }, ct, $"revert {snap}");
    }

    /// <summary>
    /// Deletes a snapshot. Deleting it from a qcow2 frees its clusters and cannot be undone, so the disks are the
    /// point of no return: before them, the snapshot's UEFI variables are set aside (put back by the reverter if a
    /// later step fails); a failure inside or after them (some disks done) keeps the row, and the delete, which skips
    /// disks that no longer hold the snapshot, finishes when asked again.
    /// </summary>
    public Task<ActionResult> DeleteSnapshotAsync(string snap, CancellationToken ct) =>
        Serialised(VmAction.Snapshot, async () =>
        {
            var record = FindSnapshot(_ctx.Store.ListSnapshots(Uuid), snap);
            var disks = ReadDisks(record);
            QemuSession? session;
            lock (_gate)
                session = _session;
            try
            {
                await using var revert = new Reverter("snapshot-delete", Log);
                revert.Step("uefi-vars");
                if (SetSnapshotUefiVarsAside(snap) is { } aside)
                    revert.Add("uefi-vars", () => Vireo.Host.Os.AtomicFile.Rename(aside, Paths.SnapshotUefiVars(snap), overwrite: true));
                revert.Step("disks");
                if (session is null)
                {
                    await DeleteFromDisksAsync(disks.Select(d => d.Path).ToList(), snap, ct);
                }
                else
                {
                    var nodes = SnapshotDisks.Current(disks, _ctx.Planner.Plan(Spec, Paths).Config.BlockNodes);
                    var attached = nodes.Where(n => n.Node is not null).Select(n => n.Node!).ToList();
                    if (attached.Count > 0)
                        await DeleteLiveAsync(session, attached, snap, revert, ct);
                    // Disks detached since the snapshot are not open in this QEMU: qemu-img deletes it from them.
                    await DeleteFromDisksAsync(nodes.Where(n => n.Node is null).Select(n => n.Disk.Path).ToList(), snap, ct);
                }
                Vireo.Host.CrashPoints.Hit("snapshot-delete.disks-done");
                revert.Step("row");
                _ctx.Store.DeleteSnapshot(Uuid, snap);
                revert.Success();
            }
            catch (Exception e)
            {
                throw TranslateSnapshot(e, "delete a snapshot of");
            }
            DeleteSnapshotUefiVars(snap);
            Log.LogInformation("VM {Name}: snapshot {Snap} deleted", Name, snap);
            return Result($"snapshot \"{snap}\" deleted");
        }, ct, $"delete {snap}");

    /// <summary>
    /// The revert's last undoable step, right before its point of no return: the snapshot becomes the current one
    /// (the parent of the next), and the undo makes the previous one current again.
    /// </summary>
    private void MarkCurrent(Reverter revert, string snap)
    {
        revert.Step("row");
        var previous = _ctx.Store.ListSnapshots(Uuid).FirstOrDefault(r => r.IsCurrent)?.Name;
        revert.Add("row", () => _ctx.Store.RestoreCurrentSnapshot(Uuid, previous));
        _ctx.Store.SetCurrentSnapshot(Uuid, snap);
    }

    private static void ValidateSnapshotName(string name)
    {
        var problem = Specs.VmNameRules.Validate(name);
        if (problem is null && name.All(char.IsAsciiDigit))
            problem = "is only digits, which qcow2 would confuse with a snapshot id; add a letter";
        if (problem is not null)
            throw new InvalidInputException($"invalid snapshot name: \"{name}\" {problem}",
                [new FieldError { Field = "name", Value = name, Message = problem }]);
    }

    private SnapshotRecord FindSnapshot(IReadOnlyList<SnapshotRecord> records, string snap) =>
        records.FirstOrDefault(r => r.Name == snap)
            ?? throw new NotFoundException("snapshot", $"{Name}/{snap}", hint: $"List the snapshots of {Name}: vireo snapshot list {Name}");

    private static IReadOnlyList<SnapshotDisk> ReadDisks(SnapshotRecord record) =>
        JsonSerializer.Deserialize(record.DisksJson, VireoJsonContext.Default.ListSnapshotDisk) ?? [];

    private static IReadOnlyList<string>? ReadReadOnlyDisks(SnapshotRecord record) =>
        record.ReadOnlyDisksJson is { } json ? JsonSerializer.Deserialize(json, VireoJsonContext.Default.ListString) ?? [] : null;

    private SnapshotInfo ToInfo(SnapshotRecord r, IReadOnlyList<SnapshotRecord> all) => new()
    {
        Name = r.Name,
        Vm = Name,
        Kind = ParseKind(r.Kind),
        VmState = VmStateMachine.Parse(r.VmState),
        CreatedAt = r.CreatedAt,
        Parent = r.Parent,
        Children = all.Where(c => c.Parent == r.Name).Select(c => c.Name).ToList(),
        Current = r.IsCurrent,
        Description = r.Description,
        Disks = ReadDisks(r),
        ReadOnlyDisks = ReadReadOnlyDisks(r),
    };

    private static string KindText(SnapshotKind kind) => kind == SnapshotKind.Memory ? "memory" : "disk";
    private static SnapshotKind ParseKind(string text) => text == "memory" ? SnapshotKind.Memory : SnapshotKind.Disk;

    private static QemuImg Image()
    {
        try
        {
            return Img.Value;
        }
        catch (QemuImgException e)
        {
            throw new UnavailableException(e.Message, e);
        }
    }

    private Exception TranslateSnapshot(Exception e, string operation) => e switch
    {
        QemuImgException img => new QemuFailedException($"cannot {operation} VM \"{Name}\": {img.Message}", img),
        _ => Translate(e, operation),
    };

    /// <summary>A disk as the operator named it: its volume (POOL/NAME) when it has one, else its path.</summary>
    private string DiskName(string path) => Spec.Disks.FirstOrDefault(d => d.Path == path)?.Volume ?? path;
}

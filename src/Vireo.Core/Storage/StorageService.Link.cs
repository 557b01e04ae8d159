using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Os;
using Vireo.Persistence;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

/// <summary>One writable disk of a linked clone: the source VM's volume and the clone's new volume (<c>POOL/NAME</c> each).</summary>
public sealed record LinkRequest(string Source, string Target);

/// <summary>
/// A linked clone's storage change, planned and journalled, not yet recorded. <see cref="StorageService.MakeLinkFilesAsync"/>
/// puts the files in place, <see cref="StorageService.CommitLink"/> records them, <see cref="StorageService.RollbackLinkAsync"/>
/// undoes them.
/// </summary>
public sealed class LinkPlan
{
    internal LinkPlan(string journalId, List<LinkSplit> splits, List<LinkTarget> targets, List<VolumeRecord> reused, List<LinkRebase>? rebases = null)
    {
        JournalId = journalId;
        Splits = splits;
        Targets = targets;
        Reused = reused;
        Rebases = rebases ?? [];
    }

    internal string JournalId { get; }
    internal List<LinkSplit> Splits { get; }
    internal List<LinkTarget> Targets { get; }
    /// <summary>Backing volumes that become (or already were) the base of a new overlay as they are.</summary>
    internal List<VolumeRecord> Reused { get; }
    /// <summary>Volumes layered directly on a split volume (by an older Vireo): they are pointed to its new base.</summary>
    internal List<LinkRebase> Rebases { get; }
    internal bool Committed { get; set; }

    /// <summary>The file of the clone's new volume <paramref name="target"/> (<c>POOL/NAME</c>).</summary>
    public string TargetPath(string target) => Targets.First(t => t.Reference == target).Path;

    /// <summary>Source volumes whose format changes (a raw volume's data moves into a base; the VM then writes a qcow2 overlay).</summary>
    public IReadOnlyList<string> FormatChanges => Splits.Where(s => s.Source.Format != "qcow2").Select(s => StorageNames.Reference(s.Source.Pool, s.Source.Name)).ToList();

    /// <summary>What happened to each disk, for the operator: which volumes became bases, which were reused.</summary>
    public IReadOnlyList<CloneBase> Bases => Splits.Select(s => new CloneBase
    {
        Base = StorageNames.Reference(s.Pool.Name, s.BaseName),
        Source = StorageNames.Reference(s.Source.Pool, s.Source.Name),
        Reused = false,
    }).Concat(Targets.Where(t => t.Reused).Select(t => new CloneBase
    {
        Base = StorageNames.Reference(t.Backing.Pool, t.Backing.Name),
        Source = t.Source,
        Reused = true,
    })).ToList();

    /// <summary>The backing volume of the clone's new volume <paramref name="target"/>.</summary>
    public string BackingOf(string target)
    {
        var t = Targets.First(x => x.Reference == target);
        return StorageNames.Reference(t.Backing.Pool, t.Backing.Name);
    }
}

/// <summary>The source's volume becomes the base <see cref="BaseName"/> (same file, a second name), and gets an empty overlay on it.</summary>
internal sealed record LinkSplit(PoolRecord Pool, VolumeRecord Source, string BaseName, string Temp, long Size)
{
    public string SourcePath => System.IO.Path.Combine(Pool.Path, Source.Name);
    public string BasePath => System.IO.Path.Combine(Pool.Path, BaseName);
}

/// <summary>A volume layered on a split volume, pointed from <see cref="OldBacking"/> to the base <see cref="NewBacking"/> (the same data).</summary>
internal sealed record LinkRebase(VolumeRecord Volume, string Path, string OldBacking, string NewBacking, string BaseName, string BackingFormat);

/// <summary>The clone's new overlay.</summary>
internal sealed record LinkTarget(PoolRecord Pool, string Name, string Temp, (string Pool, string Name) Backing, string BackingPath,
    string BackingFormat, long Size, string Source, bool Reused)
{
    public string Reference => StorageNames.Reference(Pool.Name, Name);
    public string Path => System.IO.Path.Combine(Pool.Path, Name);
}

public sealed partial class StorageService
{
    private const string LinkJournalKind = "linked-clone";

    /// <summary>How a source volume is shared with a clone, decided from its file before anything changes.</summary>
    private sealed record LinkDecision(PoolRecord Pool, VolumeRecord Volume, bool Reuse, long Size);

    /// <summary>
    /// Checks that every source volume can be shared by a linked clone, and decides how: a qcow2 overlay with no
    /// data of its own is shared through its backing volume (reused as it is); any other volume becomes a
    /// read-only base under both VMs, which is refused while it holds internal snapshots (they would be frozen in
    /// the base, where the VM could no longer revert to them) or has volumes layered on it. Changes nothing.
    /// </summary>
    public async Task CheckLinkAsync(string vm, IReadOnlyList<LinkRequest> disks, CancellationToken ct) =>
        await DecideLinkAsync(vm, disks.Select(d => d.Source).ToList(), heal: false, ct);

    /// <summary>
    /// Decides, from each volume's file, how it is shared. With <paramref name="heal"/> (a volume that linked clones
    /// of an older Vireo sit on directly), the volume always becomes a base and its dependants are allowed.
    /// </summary>
    private async Task<List<LinkDecision>> DecideLinkAsync(string vm, IReadOnlyList<string> sources, bool heal, CancellationToken ct)
    {
        var decisions = new List<LinkDecision>();
        var all = _store.ListVolumes();
        foreach (var source in sources)
        {
            var (pool, volume) = FindVolume(source, "source");
            var path = Path.Combine(pool.Path, volume.Name);
            var format = ToDiskFormat(volume.Format);
            var dependants = DependantsOf(volume, all).Select(Ref).ToList();
            Vireo.Qemu.ImageInfo info;
            try
            {
                // One qemu-img info gives the size and the snapshots (a raw image has none).
                (info, var snapshots) = await Img.InfoAndSnapshotsAsync(path, format, ct);
                if (!heal && volume.BackingPool is not null && format == DiskFormat.Qcow2 && !await Img.HasOwnDataAsync(path, ct))
                {
                    decisions.Add(new LinkDecision(pool, volume, true, info.VirtualSize));
                    continue;
                }
                var held = $"{snapshots.Count} internal snapshot{(snapshots.Count == 1 ? "" : "s")} ({string.Join(", ", snapshots.Select(s => s.Name))})";
                if (snapshots.Count > 0 && heal)
                {
                    var pools = _store.ListPools();
                    var clone = DependantsOf(volume, all).SelectMany(d => UsersOf(pools.First(p => p.Name == d.Pool), d)).Select(v => v.Spec.Name).FirstOrDefault() ?? "CLONE";
                    throw new InvalidStateException(
                        $"Volume \"{source}\" of VM \"{vm}\" has linked clones made by an older Vireo layered directly on it ({Names(dependants)}), " +
                        $"so it must become a read-only base under a fresh overlay before the VM writes it again; it holds {held}, " +
                        "which would be frozen in the base: the VM could no longer revert to them.")
                    {
                        Hint = $"Delete them (vireo snapshot delete {vm} {snapshots[0].Name}), then start or clone {vm} again; " +
                            $"or give each clone its own copy (vireo clone {clone} {clone}-copy, then vireo undefine {clone} --remove-all-storage).",
                    };
                }
                if (snapshots.Count > 0)
                    throw new InvalidStateException(
                        $"Volume \"{source}\" of VM \"{vm}\" holds {held}. A linked clone turns the volume into a read-only base under both VMs, " +
                        "where these snapshots would be frozen: the VM could no longer revert to them.")
                    {
                        Hint = $"Delete them first (vireo snapshot delete {vm} {snapshots[0].Name}), or make a full clone (leave out --linked).",
                    };
            }
            catch (QemuImgException e)
            {
                throw Translate(e, $"cannot read volume {source}");
            }
            if (!heal && dependants.Count > 0)
                throw new InvalidStateException(
                    $"Volume \"{source}\" of VM \"{vm}\" already has volumes layered on it ({Names(dependants)}), so it cannot become a base under a fresh overlay.")
                {
                    Hint = "Delete those volumes, or make a full clone (leave out --linked).",
                };
            decisions.Add(new LinkDecision(pool, volume, false, info.VirtualSize));
        }
        return decisions;
    }

    /// <summary>
    /// Plans a linked clone's volumes: reserves the clone's volume names and the new bases' names, marks the
    /// source volumes as in use, and writes the journal entry that lets a restarted vireod undo the files. The
    /// caller holds the source VM stopped until it commits or rolls back.
    /// </summary>
    public async Task<LinkPlan> PlanLinkAsync(string vm, IReadOnlyList<LinkRequest> disks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(disks);
        var decisions = await DecideLinkAsync(vm, disks.Select(d => d.Source).ToList(), heal: false, ct);
        var claimed = new List<(string Pool, string Name)>();
        await _lock.WaitAsync(ct);
        try
        {
            var all = _store.ListVolumes();
            var pools = _store.ListPools();
            var splits = new List<LinkSplit>();
            var targets = new List<LinkTarget>();
            var reused = new List<VolumeRecord>();
            foreach (var (disk, decision) in disks.Zip(decisions))
            {
                var key = (decision.Volume.Pool, decision.Volume.Name);
                var current = all.FirstOrDefault(v => v.Pool == key.Pool && v.Name == key.Name);
                if (current != decision.Volume || (!decision.Reuse && DependantsOf(current, all).Count > 0))
                    throw new InvalidStateException($"Volume \"{disk.Source}\" changed while the clone was being prepared.") { Hint = "Try again." };
                if (_reading.ContainsKey(key))
                    throw new InvalidStateException($"Volume \"{disk.Source}\" is being copied by a running operation.") { Hint = "Wait for it to end or cancel it." };
            }
            foreach (var (disk, decision) in disks.Zip(decisions))
            {
                var (targetPoolName, targetName) = Split(disk.Target, "target");
                var targetPool = FindPool(targetPoolName);
                if (!Directory.Exists(targetPool.Path))
                    throw new InvalidStateException($"Pool \"{targetPoolName}\" is not usable: its directory {targetPool.Path} does not exist.");
                if (!IsFree(targetPool, targetName, all))
                    throw new AlreadyExistsException($"Volume \"{disk.Target}\" already exists, or a file of that name is in the pool.");
                _pending.Add((targetPoolName, targetName));
                claimed.Add((targetPoolName, targetName));
                (string Pool, string Name) backing;
                string backingPath;
                string backingFormat;
                if (decision.Reuse)
                {
                    var under = all.First(v => v.Pool == decision.Volume.BackingPool && v.Name == decision.Volume.BackingName);
                    var underPool = pools.First(p => p.Name == under.Pool);
                    backing = (under.Pool, under.Name);
                    backingPath = Path.Combine(underPool.Path, under.Name);
                    backingFormat = under.Format;
                    reused.Add(under);
                }
                else
                {
                    var baseName = BaseNameFor(decision.Pool, decision.Volume.Name, all);
                    _pending.Add((decision.Pool.Name, baseName));
                    claimed.Add((decision.Pool.Name, baseName));
                    var split = new LinkSplit(decision.Pool, decision.Volume, baseName, TempPath(decision.Pool, decision.Volume.Name), decision.Size);
                    splits.Add(split);
                    backing = (decision.Pool.Name, baseName);
                    backingPath = split.BasePath;
                    backingFormat = decision.Volume.Format;
                }
                targets.Add(new LinkTarget(targetPool, targetName, TempPath(targetPool, targetName), backing, backingPath, backingFormat,
                    decision.Size, disk.Source, decision.Reuse));
            }
            var plan = new LinkPlan(Guid.NewGuid().ToString("N"), splits, targets, reused);
            // Journal before the first file changes: a vireod killed from here on undoes them when it starts again.
            _store.InsertStorageJournal(new StorageJournalRecord(plan.JournalId, LinkJournalKind, JournalBody(plan), DateTimeOffset.UtcNow));
            foreach (var d in decisions)
                _reading[(d.Volume.Pool, d.Volume.Name)] = _reading.GetValueOrDefault((d.Volume.Pool, d.Volume.Name)) + 1;
            return plan;
        }
        catch
        {
            // Nothing was journalled (the journal write is the last step that can fail): give the names back.
            foreach (var name in claimed)
                _pending.Remove(name);
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Plans turning the writable volume <paramref name="source"/> of the stopped VM <paramref name="vm"/>, on which
    /// linked clones of an older Vireo sit directly, into a read-only base under a fresh overlay: the same split as a
    /// linked clone's, and the volumes layered on it are pointed to the base (which is the same file, so they read
    /// the same data). Refused while the volume holds internal snapshots or a VM reading it runs. Journalled like a
    /// linked clone: <see cref="MakeLinkFilesAsync"/>, then <see cref="CommitLink"/> (no new VM) or <see cref="RollbackLinkAsync"/>.
    /// </summary>
    public async Task<LinkPlan> PlanHealAsync(string vm, string source, CancellationToken ct)
    {
        CheckNoRunningReaders(vm, source);
        var decision = (await DecideLinkAsync(vm, [source], heal: true, ct))[0];
        var claimed = new List<(string Pool, string Name)>();
        await _lock.WaitAsync(ct);
        try
        {
            var all = _store.ListVolumes();
            var pools = _store.ListPools();
            var key = (decision.Volume.Pool, decision.Volume.Name);
            var dependants = DependantsOf(decision.Volume, all);
            if (all.FirstOrDefault(v => v.Pool == key.Pool && v.Name == key.Name) != decision.Volume || dependants.Count == 0)
                throw new InvalidStateException($"Volume \"{source}\" changed while it was being turned into a base.") { Hint = "Try again." };
            CheckNoRunningReaders(vm, source);
            if (dependants.Prepend(decision.Volume).FirstOrDefault(v => _reading.ContainsKey((v.Pool, v.Name))) is { } busy)
                throw new InvalidStateException($"Volume \"{Ref(busy)}\" is being copied by a running operation.") { Hint = "Wait for it to end or cancel it." };
            var baseName = BaseNameFor(decision.Pool, decision.Volume.Name, all);
            _pending.Add((decision.Pool.Name, baseName));
            claimed.Add((decision.Pool.Name, baseName));
            var split = new LinkSplit(decision.Pool, decision.Volume, baseName, TempPath(decision.Pool, decision.Volume.Name), decision.Size);
            var rebases = dependants.Select(d => new LinkRebase(d, Path.Combine(pools.First(p => p.Name == d.Pool).Path, d.Name),
                split.SourcePath, split.BasePath, baseName, decision.Volume.Format)).ToList();
            var plan = new LinkPlan(Guid.NewGuid().ToString("N"), [split], [], [], rebases);
            _store.InsertStorageJournal(new StorageJournalRecord(plan.JournalId, LinkJournalKind, JournalBody(plan), DateTimeOffset.UtcNow));
            _reading[key] = _reading.GetValueOrDefault(key) + 1;
            return plan;
        }
        catch
        {
            foreach (var name in claimed)
                _pending.Remove(name);
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Refuses while a running VM reads <paramref name="source"/>: its disk is the volume or is layered on it.</summary>
    private void CheckNoRunningReaders(string vm, string source)
    {
        var (pool, volume) = FindVolume(source, "source");
        var all = _store.ListVolumes();
        var pools = _store.ListPools();
        var readers = all.Where(v => v == volume || ChainOf(v, all).Any(c => c.Pool == volume.Pool && c.Name == volume.Name))
            .SelectMany(v => UsersOf(pools.First(p => p.Name == v.Pool), v))
            .Where(u => u.Running).Select(u => u.Spec.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        if (readers.Count == 0)
            return;
        var dependants = DependantsOf(volume, all).Select(Ref).ToList();
        throw new InvalidStateException(
            $"Volume \"{source}\" of VM \"{vm}\" has linked clones made by an older Vireo layered directly on it ({Names(dependants)}), " +
            $"so it must become a read-only base under a fresh overlay before the VM writes it again; that needs every VM reading it stopped, " +
            $"and {(readers.Count == 1 ? "VM" : "VMs")} {Names(readers)} {(readers.Count == 1 ? "is" : "are")} running.")
        {
            Hint = $"Shut {(readers.Count == 1 ? "it" : "them")} down (vireo shutdown {readers[0]}), then start or clone {vm} again.",
        };
    }

    private bool IsFree(PoolRecord pool, string name, IReadOnlyList<VolumeRecord> all) =>
        !all.Any(v => v.Pool == pool.Name && v.Name == name) && !_pending.Contains((pool.Name, name))
        && !File.Exists(Path.Combine(pool.Path, name)) && !Directory.Exists(Path.Combine(pool.Path, name));

    private string BaseNameFor(PoolRecord pool, string name, IReadOnlyList<VolumeRecord> all)
    {
        for (var n = 1; ; n++)
        {
            var candidate = BaseName(name, n);
            if (IsFree(pool, candidate, all))
                return candidate;
        }
    }

    /// <summary>
    /// The name of the base made from volume <paramref name="name"/>: <c>web-root.qcow2</c> becomes
    /// <c>web-root.base.qcow2</c> (then <c>web-root.base2.qcow2</c>...); a name without an extension gets <c>.base</c>.
    /// Always a valid volume name.
    /// </summary>
    internal static string BaseName(string name, int n)
    {
        var suffix = n == 1 ? ".base" : $".base{n}";
        var dot = name.LastIndexOf('.');
        var (stem, extension) = dot > 0 ? (name[..dot], name[dot..]) : (name, "");
        if (extension.Length > 8)
            (stem, extension) = (name, "");
        var room = StorageNames.MaxVolumeName - suffix.Length - extension.Length;
        return stem[..Math.Min(stem.Length, room)].TrimEnd('.') + suffix + extension;
    }

    /// <summary>
    /// Puts a planned linked clone's files in place: each new base is a second name of its source volume's file
    /// (a hard link); each source volume's name then gets an empty overlay on its base (made under a temporary
    /// name and renamed over it, so the name always holds the VM's data), and the clone's overlays their names.
    /// Nothing is recorded yet; <see cref="RollbackLinkAsync"/> undoes all of it.
    /// </summary>
    public async Task MakeLinkFilesAsync(LinkPlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            foreach (var split in plan.Splits)
            {
                FileLinks.CreateHardLink(split.SourcePath, split.BasePath);
                LinkStep?.Invoke("linked " + split.BaseName);
            }
            // Each volume layered on a split volume reads the base from now on: the same file, so the same data.
            foreach (var rebase in plan.Rebases)
            {
                await Img.RebaseUnsafeAsync(rebase.Path, new BackingFile(rebase.NewBacking, ToDiskFormat(rebase.BackingFormat)), ct);
                FileLinks.SyncFile(rebase.Path);
                LinkStep?.Invoke("rebased " + rebase.Volume.Name);
            }
            foreach (var split in plan.Splits)
            {
                await Img.CreateAsync(split.Temp, DiskFormat.Qcow2, split.Size, new BackingFile(split.BasePath, ToDiskFormat(split.Source.Format)), ct);
                FileLinks.SyncFile(split.Temp);
                LinkStep?.Invoke("overlay made for " + split.Source.Name);
            }
            foreach (var target in plan.Targets)
            {
                await Img.CreateAsync(target.Temp, DiskFormat.Qcow2, target.Size, new BackingFile(target.BackingPath, ToDiskFormat(target.BackingFormat)), ct);
                FileLinks.SyncFile(target.Temp);
                LinkStep?.Invoke("overlay made for " + target.Name);
            }
            ct.ThrowIfCancellationRequested();
            foreach (var target in plan.Targets)
            {
                File.Move(target.Temp, target.Path, overwrite: false);
                LinkStep?.Invoke("named " + target.Name);
            }
            // rename(2) replaces the name atomically: it holds the old file or the overlay, never nothing.
            foreach (var split in plan.Splits)
            {
                File.Move(split.Temp, split.SourcePath, overwrite: true);
                LinkStep?.Invoke("swapped " + split.Source.Name);
            }
            foreach (var dir in plan.Splits.Select(s => s.Pool.Path).Concat(plan.Targets.Select(t => t.Pool.Path)).Distinct())
                FileLinks.SyncDirectory(dir);
        }
        catch (QemuImgException e)
        {
            throw Translate(e, "cannot create the linked clone's overlays");
        }
        catch (IOException e)
        {
            throw new QemuFailedException($"Cannot put the linked clone's files in place: {e.Message}", e);
        }
    }

    /// <summary>
    /// Tests only: called after each file step of <see cref="MakeLinkFilesAsync"/> with its name; a test that throws
    /// from it stands for a vireod killed at that moment (it then opens a new service on the same state).
    /// </summary>
    internal Action<string>? LinkStep { get; set; }

    /// <summary>
    /// Records a linked clone whose files are in place, in one transaction with <paramref name="vms"/> (the source
    /// VM's definition when a disk format changed) and the clone <paramref name="clone"/> (none for
    /// <see cref="PlanHealAsync"/>): the new bases (read-only), the source volumes now overlays on them, the clone's
    /// overlays, the volumes pointed to a base; the journal entry goes in the same transaction.
    /// </summary>
    public void CommitLink(LinkPlan plan, IReadOnlyList<VmSpecUpdate> vms, VmRecord? clone)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var now = DateTimeOffset.UtcNow;
        var inserts = new List<VolumeRecord>();
        var updates = new List<VolumeRecord>();
        foreach (var split in plan.Splits)
        {
            var v = split.Source;
            inserts.Add(new VolumeRecord(v.Pool, split.BaseName, v.Format, v.BackingPool, v.BackingName, v.Preallocation, v.CreatedAt, Base: true));
            updates.Add(v with { Format = "qcow2", BackingPool = v.Pool, BackingName = split.BaseName, Preallocation = "off", Base = false });
        }
        foreach (var under in plan.Reused.DistinctBy(v => (v.Pool, v.Name)).Where(v => !v.Base))
            updates.Add(under with { Base = true });
        foreach (var target in plan.Targets)
            inserts.Add(new VolumeRecord(target.Pool.Name, target.Name, "qcow2", target.Backing.Pool, target.Backing.Name, "off", now));
        foreach (var rebase in plan.Rebases)
            updates.Add(rebase.Volume with { BackingName = rebase.BaseName });
        _lock.Wait();
        try
        {
            _store.CommitStorageChange(new StorageCommit
            {
                JournalId = plan.JournalId,
                InsertVolumes = inserts,
                UpdateVolumes = updates,
                UpdateVms = vms,
                InsertVm = clone,
            });
            plan.Committed = true;
            ReleaseLinkLocked(plan);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Undoes a planned linked clone that was not committed: every file as it was, the journal entry and the names released.</summary>
    public async Task RollbackLinkAsync(LinkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            if (plan.Committed)
                return;
            if (_store.ListStorageJournal().FirstOrDefault(j => j.Id == plan.JournalId) is { } entry)
                await UndoJournalAsync(entry);
            ReleaseLinkLocked(plan);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void ReleaseLinkLocked(LinkPlan plan)
    {
        foreach (var split in plan.Splits)
        {
            _pending.Remove((split.Pool.Name, split.BaseName));
            Unread((split.Source.Pool, split.Source.Name));
        }
        foreach (var target in plan.Targets)
        {
            _pending.Remove((target.Pool.Name, target.Name));
            if (target.Reused)
            {
                var (pool, name) = Split(target.Source, "source");
                Unread((pool, name));
            }
        }
    }

    private static string JournalBody(LinkPlan plan) => new JsonObject
    {
        ["splits"] = new JsonArray(plan.Splits.Select(s => (JsonNode)new JsonObject
        {
            ["dir"] = s.Pool.Path,
            ["volume"] = s.Source.Name,
            ["base"] = s.BaseName,
            ["temp"] = Path.GetFileName(s.Temp),
        }).ToArray()),
        ["targets"] = new JsonArray(plan.Targets.Select(t => (JsonNode)new JsonObject
        {
            ["pool"] = t.Pool.Name,
            ["dir"] = t.Pool.Path,
            ["name"] = t.Name,
            ["temp"] = Path.GetFileName(t.Temp),
        }).ToArray()),
        ["rebases"] = new JsonArray(plan.Rebases.Select(r => (JsonNode)new JsonObject
        {
            ["path"] = r.Path,
            ["backing"] = r.OldBacking,
            ["format"] = r.BackingFormat,
        }).ToArray()),
    }.ToJsonString();

    /// <summary>
    /// Puts the files of an unrecorded linked clone back as they were, then forgets the entry. Safe to run again
    /// after a crash in the middle. A base name and its source name that are one file are a link not yet used: the
    /// base name goes. Two different files mean the overlay was renamed over the source name: the base file is
    /// renamed back over it (atomically: the name never lacks the data). The clone's overlays have no row and go.
    /// Volumes pointed to a base are pointed back to the source name first (it holds the same data either way), so
    /// none is ever left without its backing file.
    /// </summary>
    private async Task UndoJournalAsync(StorageJournalRecord entry)
    {
        var body = JsonNode.Parse(entry.BodyJson)?.AsObject() ?? throw new InvalidOperationException("empty journal entry");
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        var volumes = _store.ListVolumes();
        foreach (var target in (body["targets"]?.AsArray() ?? []).OfType<JsonObject>())
        {
            var dir = (string)target["dir"]!;
            var pool = (string)target["pool"]!;
            var name = (string)target["name"]!;
            dirs.Add(dir);
            TryDelete(Path.Combine(dir, (string)target["temp"]!));
            if (!volumes.Any(v => v.Pool == pool && v.Name == name))
                TryDelete(Path.Combine(dir, name));
        }
        foreach (var rebase in (body["rebases"]?.AsArray() ?? []).OfType<JsonObject>())
        {
            var path = (string)rebase["path"]!;
            var backing = new BackingFile((string)rebase["backing"]!, ToDiskFormat((string)rebase["format"]!));
            if (!File.Exists(path))
                continue;
            try
            {
                // -U: a header already pointing back needs no write, even if a QEMU holds the image.
                if ((await Img.InfoAsync(path, DiskFormat.Qcow2, forceShare: true, CancellationToken.None)).BackingFilename != backing.Path)
                    await Img.RebaseUnsafeAsync(path, backing, CancellationToken.None);
            }
            catch (QemuImgException e)
            {
                // The base's name stays until the volume is pointed back: the entry is kept and tried again.
                throw new IOException($"cannot point {path} back to {backing.Path}: {e.Message}", e);
            }
            FileLinks.SyncFile(path);
        }
        foreach (var split in (body["splits"]?.AsArray() ?? []).OfType<JsonObject>().Reverse())
        {
            var dir = (string)split["dir"]!;
            var source = Path.Combine(dir, (string)split["volume"]!);
            var baseFile = Path.Combine(dir, (string)split["base"]!);
            dirs.Add(dir);
            if (File.Exists(baseFile))
            {
                if (FileLinks.SameFile(source, baseFile))
                    File.Delete(baseFile);
                else
                    File.Move(baseFile, source, overwrite: true);
            }
            TryDelete(Path.Combine(dir, (string)split["temp"]!));
        }
        foreach (var dir in dirs.Where(Directory.Exists))
            FileLinks.SyncDirectory(dir);
        _store.DeleteStorageJournal(entry.Id);
    }

    /// <summary>At start: undoes the storage changes a killed vireod left unrecorded (before any VM can start).</summary>
    private async Task ReplayJournalAsync()
    {
        foreach (var entry in _store.ListStorageJournal())
        {
            try
            {
                _log.LogWarning("storage: undoing an interrupted {Kind} begun at {At} ({Id})", entry.Kind, entry.CreatedAt, entry.Id);
                await UndoJournalAsync(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.Text.Json.JsonException)
            {
                _log.LogError("storage: cannot undo the interrupted {Kind} {Id}: {Error}; its files are left as they are", entry.Kind, entry.Id, e.Message);
            }
        }
    }

    /// <summary>True for a volume Vireo made a read-only base (a linked clone's).</summary>
    public bool IsBase(string reference) =>
        StorageNames.TrySplit(reference, out var pool, out var name, out _)
        && _store.ListVolumes().Any(v => v.Pool == pool && v.Name == name && v.Base);
}

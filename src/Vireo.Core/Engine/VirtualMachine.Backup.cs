using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Backups;
using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{

    /// <summary>
    /// Backs up every writable disk into <c>DIR/VM/ID/</c>: from a running (or paused) VM with QEMU block jobs, all
    /// disks at one instant while the guest goes on; from a stopped VM by copying the images. A failed or cancelled
    /// backup leaves no directory and the disks' change tracking as it was.
    /// </summary>
    public Task<BackupInfo> BackupAsync(BackupRequest request, IProgress<double>? progress, CancellationToken ct) =>
        Serialised(VmAction.Backup, async () =>
        {
            var root = BackupLayout.PrepareRoot(request.Target, "target");
            if (request.BandwidthMibPerSecond is <= 0 or > 1024 * 1024)
                throw BackupLayout.Invalid("backup", "bandwidth_mib_per_second", request.BandwidthMibPerSecond?.ToString(), "must be a positive number of MiB/s");
            VmSpec spec;
            QemuSession? session;
            lock (_gate)
            {
                spec = _spec;
                session = _session;
            }
            var (sources, skipped) = BackupSources.From(spec, _ctx.Planner.Plan(spec, Paths).Config.BlockNodes);
            if (sources.Count == 0)
                throw new InvalidStateException($"VM \"{Name}\" has no writable disk to back up (read-only disks and CD-ROMs are not backed up)");
            var vmDir = Path.Combine(root, Name);
            // What a vireod that stopped in the middle of a backup left behind (this VM's backups are serialised).
            if (session is not null)
                await ClearStaleJobsAsync(session, ct);
            var parent = request.Incremental ? await IncrementalParentAsync(vmDir, sources, session, ct) : null;
            Directory.CreateDirectory(vmDir);
            foreach (var stale in Directory.EnumerateDirectories(vmDir, BackupLayout.TempPrefix + "*"))
                BackupLayout.TryDeleteDirectory(stale);
            var started = DateTimeOffset.UtcNow;
            var id = BackupLayout.NewId(vmDir, started);
            var temp = Path.Combine(vmDir, BackupLayout.TempPrefix + id);
            var job = new BackupJob(id, vmDir, temp, parent, sources, started, Stopwatch.StartNew());
            BackupInfo info;
            try
            {
                // One undo stack: the directory, QEMU's target nodes, its jobs and the new bitmap are each undone if a
                // later step fails or the request is cancelled; the rename of the finished directory commits.
                await using var revert = new Reverter("backup", Log);
                revert.Step("directory");
                revert.Add("directory", () => BackupLayout.TryDeleteDirectory(temp));
                Directory.CreateDirectory(temp);
                revert.Step("disks");
                // Before the disks: a bitmap exists from the transaction (live) or the end of the copy (offline) on.
                revert.Add("bitmap", _ => ForgetBitmapAsync(session, sources, job.Bitmap));
                var disks = session is not null
                    ? await LiveBackupAsync(session, job, request.BandwidthMibPerSecond, progress, revert, ct)
                    : await OfflineBackup.CopyAsync(Img.Value, job, progress, ct);
                info = new BackupInfo
                {
                    Id = id,
                    Vm = Name,
                    VmUuid = Uuid,
                    Type = parent is null ? BackupType.Full : BackupType.Incremental,
                    Parent = parent?.Id,
                    Chain = parent?.Chain ?? id,
                    Live = session is not null,
                    CreatedAt = started,
                    DurationSeconds = Math.Round(job.Clock.Elapsed.TotalSeconds, 3),
                    Spec = spec,
                    Disks = disks,
                    Skipped = skipped,
                };
                // The UEFI variable store is VM state outside the disks: each backup carries a full copy (taken
                // after the disks; a live guest that writes a variable meanwhile is the only skew).
                revert.Step("uefi-vars");
                if (spec.Boot.Firmware == "uefi" && File.Exists(Paths.UefiVars))
                    UefiVars.CopyAtomic(Paths.UefiVars, Path.Combine(temp, BackupUefiVarsFile));
                Vireo.Host.CrashPoints.Hit("backup.disks-copied");
                revert.Step("manifest");
                BackupLayout.WriteManifest(temp, info);
                Vireo.Host.CrashPoints.Hit("backup.manifest-written");
                revert.Step("publish");
                ct.ThrowIfCancellationRequested();
                Directory.Move(temp, Path.Combine(vmDir, id));
                revert.Success();
            }
            catch (Exception e)
            {
                Log.LogWarning("VM {Name}: backup {Id} failed: {Error}", Name, id, e.Message);
                throw BackupErrors.Wrap(Translate(e, "back up"), $"the backup of VM \"{Name}\"");
            }
            // Only now is the new bitmap the one the next incremental starts from; the older ones track nothing useful.
            await DropOlderBitmapsAsync(session, sources, BackupSources.BitmapFor(id));
            Log.LogInformation("VM {Name}: {Type} backup {Id} in {Seconds:0.0} s", Name, info.Type, id, info.DurationSeconds);
            return BackupLayout.Read(Path.Combine(vmDir, id));
        }, ct, $"to {request.Target}");

    /// <summary>A backup being taken: where it goes and what it builds on.</summary>
    internal sealed record BackupJob(string Id, string VmDir, string TempDir, BackupInfo? Parent, IReadOnlyList<BackupSource> Sources,
        DateTimeOffset Started, Stopwatch Clock)
    {
        public string Bitmap => BackupSources.BitmapFor(Id);
        public BackupDisk? ParentDisk(BackupSource s) => Parent?.Disks.FirstOrDefault(d => d.Index == s.Index);
    }

    /// <summary>
    /// The backup an incremental builds on: the VM's latest in DIR, whose bitmaps must still be on the disks and
    /// consistent. Anything else is refused: an incremental on the wrong base would restore to a state that never was.
    /// </summary>
    private async Task<BackupInfo> IncrementalParentAsync(string vmDir, IReadOnlyList<BackupSource> sources, QemuSession? session, CancellationToken ct)
    {
        var fullFirstHint = $"Take a full backup first: vireo backup {Name} --to {Path.GetDirectoryName(vmDir)}";
        if (sources.FirstOrDefault(s => !s.CanTrackChanges) is { } raw)
            throw Refuse($"disk {raw.Index} ({raw.Path}) is raw: raw images cannot hold the persistent dirty bitmap that tracks changes, so this VM gets full backups only",
                hint: "Take full backups (without --incremental), or convert the disk to qcow2 to get incrementals");
        if (session is null)
            throw new InvalidStateException($"VM \"{Name}\" is stopped; incremental backups are taken from a running VM")
            {
                Hint = $"Start it (vireo start {Name}), or take a full backup: vireo backup {Name} --to {Path.GetDirectoryName(vmDir)}",
            };
        var parent = BackupLayout.Latest(vmDir, Uuid)
            ?? throw Refuse($"{Path.GetDirectoryName(vmDir)} holds no backup of VM \"{Name}\"", hint: fullFirstHint);
        var nodes = (await session.ExecuteAsync(BackupCommands.QueryNamedBlockNodes(), ct)).ToDictionary(n => n.NodeName, StringComparer.Ordinal);
        foreach (var s in sources)
        {
            var before = parent.Disks.FirstOrDefault(d => d.Index == s.Index);
            if (before is null || before.Source != s.Path)
                throw Refuse($"disk {s.Index} ({s.Path}) is not in the latest backup {parent.Id}: the VM's disks changed since", hint: fullFirstHint);
            var node = nodes.GetValueOrDefault(s.Node.NodeName);
            if (node is not null && node.VirtualSize != before.VirtualSize)
                throw Refuse($"disk {s.Index} was resized since backup {parent.Id}", hint: fullFirstHint);
            var bitmap = node?.DirtyBitmaps.FirstOrDefault(b => b.Name == before.Bitmap);
            if (bitmap is null)
                throw Refuse($"disk {s.Index} no longer tracks changes since backup {parent.Id} (the VM's latest backup went to another directory, or the disk was restored or reverted)", hint: fullFirstHint);
            if (bitmap.Inconsistent)
                throw Refuse($"the change tracking of disk {s.Index} is inconsistent (QEMU was killed while it ran)", hint: fullFirstHint);
        }
        return parent;

        InvalidStateException Refuse(string reason, string hint) =>
            new($"no incremental backup of VM \"{Name}\" is possible: {reason}") { Hint = hint };
    }

    /// <summary>
    /// The live backup. One transaction adds the new bitmaps and starts a blockdev-backup job per disk, so every
    /// disk is captured at the same instant and the new bitmaps record exactly the writes after it. The
    /// transaction is not <c>grouped</c>: QEMU 7.2 refuses grouped completion for bitmap actions; instead a job
    /// that fails makes RunJobsAsync cancel the others, and the whole backup is discarded.
    /// </summary>
    private async Task<IReadOnlyList<BackupDisk>> LiveBackupAsync(QemuSession session, BackupJob job, long? bandwidthMibPerSecond,
        IProgress<double>? progress, Reverter revert, CancellationToken ct)
    {
        var nodes = (await session.ExecuteAsync(BackupCommands.QueryNamedBlockNodes(), ct)).ToDictionary(n => n.NodeName, StringComparer.Ordinal);
        var added = new List<string>();
        var actions = new List<TransactionAction>();
        var jobs = new List<(BackupSource Source, string JobId, long Size)>();
        foreach (var s in job.Sources)
        {
            var size = nodes.TryGetValue(s.Node.NodeName, out var n) ? n.VirtualSize
                : throw new QemuFailedException($"QEMU has no block node {s.Node.NodeName} for disk {s.Index}");
            var backing = job.ParentDisk(s) is { } p ? $"../{job.Parent!.Id}/{p.File}" : null;
            var file = Path.Combine(job.TempDir, s.File);
            await Img.Value.CreateQcow2Async(file, size, backing, ct);
            // QEMU writes the target as the VM's uid; vireod takes it back once the job is over.
            var qemuUid = QemuUid;
            QemuConfinement.Own(job.TempDir, 0, QemuConfinement.Gid, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
            QemuConfinement.OwnFile(file, qemuUid);
            var target = $"{TargetPrefix}{s.Index}";
            // Explicit drivers on both layers; backing: null so the target's chain is never opened (nor probed).
            // Each node's undo is registered before its blockdev-add (QEMU may run it after the caller gave up); the
            // nodes also go when the jobs are over, and an undo then finds nothing ("not found" is ignored).
            revert.Step("target-nodes");
            revert.Add("node " + target + "-file", _ => TryAsync(() => session.ExecuteAsync(QmpCommands.BlockdevDel(target + "-file"), CancellationToken.None)));
            await session.ExecuteAsync(QmpCommands.BlockdevAdd(new() { ["driver"] = "file", ["filename"] = file, ["node-name"] = target + "-file" }), ct);
            added.Add(target + "-file");
            revert.Add("node " + target, _ => TryAsync(() => session.ExecuteAsync(QmpCommands.BlockdevDel(target), CancellationToken.None)));
            await session.ExecuteAsync(QmpCommands.BlockdevAdd(new() { ["driver"] = "qcow2", ["file"] = target + "-file", ["node-name"] = target, ["backing"] = null }), ct);
            added.Add(target);
            if (s.CanTrackChanges)
                actions.Add(BackupActions.AddBitmap(s.Node.NodeName, job.Bitmap, persistent: true));
            var jobId = $"{JobPrefix}{s.Index}";
            actions.Add(BackupActions.Backup(new BlockdevBackupArguments(jobId, s.Node.NodeName, target,
                job.ParentDisk(s) is null ? BackupSyncMode.Full : BackupSyncMode.Bitmap)
            {
                // never: the parent's bitmap stays whole whatever happens, so a failed incremental can be retried.
                Bitmap = job.ParentDisk(s)?.Bitmap,
                BitmapMode = BitmapSyncMode.Never,
                Speed = bandwidthMibPerSecond * 1024 * 1024,
            }));
            jobs.Add((s, jobId, size));
        }
        // The jobs' undo before the transaction that starts them: a request cancelled while QEMU holds the
        // transaction would otherwise leave jobs writing into a directory that is gone, and nobody to dismiss them.
        revert.Step("jobs");
        revert.Add("jobs", _ => EndBackupJobsAsync(session, jobs.Select(j => j.JobId).ToList()));
        var results = await session.RunJobsAsync(jobs.Select(j => j.JobId).ToList(),
            c => session.ExecuteAsync(QmpCommands.Transaction(actions), c), progress, ct);
        await DeleteNodesAsync(session, added);
        foreach (var (s, _, _) in jobs)
            QemuConfinement.Own(Path.Combine(job.TempDir, s.File), 0, 0, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var disks = new List<BackupDisk>();
        foreach (var (s, jobId, size) in jobs)
        {
            var file = Path.Combine(job.TempDir, s.File);
            var info = await Img.Value.InfoAsync(file, Vireo.Qemu.Model.DiskFormat.Qcow2, ct);
            disks.Add(new BackupDisk
            {
                Index = s.Index,
                Node = s.Node.NodeName,
                Source = s.Path,
                Format = s.FormatName,
                VirtualSize = size,
                File = s.File,
                Backing = job.ParentDisk(s) is { } p ? $"../{job.Parent!.Id}/{p.File}" : null,
                BytesCopied = results.TryGetValue(jobId, out var r) ? r.TotalProgress : 0,
                FileBytes = info.ActualSize ?? new FileInfo(file).Length,
                Bitmap = s.CanTrackChanges ? job.Bitmap : null,
            });
        }
        return disks;
    }

    /// <summary>Ends this backup's QEMU jobs wherever they are (running, concluded, or never started) and dismisses them.</summary>
    private static async Task EndBackupJobsAsync(QemuSession session, IReadOnlyList<string> jobIds)
    {
        var present = (await session.ExecuteAsync(QmpCommands.QueryJobs(), CancellationToken.None)).Where(j => jobIds.Contains(j.Id)).Select(j => j.Id).ToList();
        if (present.Count == 0)
            return;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        try
        {
            await session.RunJobsAsync(present, _ => Task.CompletedTask, null, cancelled.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or VireoException)
        {
            // Cancelled (or failed) and dismissed: gone either way.
        }
    }

    /// <summary>Cancels and dismisses backup jobs and removes target nodes left by an earlier vireod.</summary>
    private async Task ClearStaleJobsAsync(QemuSession session, CancellationToken ct)
    {
        var jobs = (await session.ExecuteAsync(QmpCommands.QueryJobs(), ct)).Where(j => j.Id.StartsWith(JobPrefix, StringComparison.Ordinal)).Select(j => j.Id).ToList();
        if (jobs.Count > 0)
        {
            Log.LogWarning("VM {Name}: cancelling backup jobs left by an earlier vireod: {Jobs}", Name, string.Join(", ", jobs));
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            try
            {
                await session.RunJobsAsync(jobs, _ => Task.CompletedTask, null, cancelled.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or VireoException)
            {
                // Expected: they are cancelled (or had failed); either way they are gone now.
            }
        }
        var nodes = (await session.ExecuteAsync(BackupCommands.QueryNamedBlockNodes(), ct)).Select(n => n.NodeName)
            .Where(n => n.StartsWith(TargetPrefix, StringComparison.Ordinal)).OrderByDescending(n => n.EndsWith("-file", StringComparison.Ordinal)).ToList();
        await DeleteNodesAsync(session, nodes);
    }

    private const string JobPrefix = "vireo-backup-";
    private const string TargetPrefix = "vireo-bk";

    /// <summary>Deletes nodes last to first: <paramref name="added"/> lists each file node before its format node.</summary>
    private async Task DeleteNodesAsync(QemuSession session, List<string> added)
    {
        // Format node before its file node: the other way round QEMU refuses (the file node is in use).
        for (var i = added.Count - 1; i >= 0; i--)
            await TryAsync(() => session.ExecuteAsync(QmpCommands.BlockdevDel(added[i]), CancellationToken.None));
    }

    /// <summary>Removes the bitmap a failed backup added, if it got that far.</summary>
    private async Task ForgetBitmapAsync(QemuSession? session, IReadOnlyList<BackupSource> sources, string bitmap)
    {
        foreach (var s in sources.Where(s => s.CanTrackChanges))
        {
            try
            {
                if (session is not null)
                    await session.ExecuteAsync(BackupCommands.RemoveBitmap(s.Node.NodeName, bitmap), CancellationToken.None);
                else if ((await Img.Value.ListBitmapsAsync(s.Path, s.Format, CancellationToken.None)).Any(b => b.Name == bitmap))
                    await Img.Value.RemoveBitmapAsync(s.Path, bitmap, CancellationToken.None);
            }
            catch (QmpCommandException)
            {
                // Not there: the transaction never ran.
            }
            catch (Exception e) when (e is QmpException or QemuImgException or IOException)
            {
                Log.LogWarning("VM {Name}: removing the bitmap {Bitmap} of a failed backup failed: {Error}", Name, bitmap, e.Message);
            }
        }
    }

    /// <summary>After a backup: the older bitmaps go; a failure only costs write tracking overhead, so it is logged.</summary>
    private async Task DropOlderBitmapsAsync(QemuSession? session, IReadOnlyList<BackupSource> sources, string keep)
    {
        try
        {
            await RemoveBitmapsAsync(session, sources, keep);
        }
        catch (Exception e) when (e is QmpException or QemuImgException or IOException)
        {
            Log.LogWarning("VM {Name}: removing old backup bitmaps failed: {Error}", Name, e.Message);
        }
    }

    /// <summary>Removes Vireo's bitmaps other than <paramref name="keep"/> from every tracked disk.</summary>
    private static async Task RemoveBitmapsAsync(QemuSession? session, IReadOnlyList<BackupSource> sources, string? keep)
    {
        {
            if (session is null)
            {
                foreach (var s in sources.Where(s => s.CanTrackChanges))
                    foreach (var b in await Img.Value.ListBitmapsAsync(s.Path, s.Format, CancellationToken.None))
                        if (b.Name.StartsWith(BackupSources.BitmapPrefix, StringComparison.Ordinal) && b.Name != keep)
                            await Img.Value.RemoveBitmapAsync(s.Path, b.Name, CancellationToken.None);
                return;
            }
            var nodes = await session.ExecuteAsync(BackupCommands.QueryNamedBlockNodes(), CancellationToken.None);
            foreach (var s in sources.Where(s => s.CanTrackChanges))
                foreach (var b in nodes.FirstOrDefault(n => n.NodeName == s.Node.NodeName)?.DirtyBitmaps ?? [])
                    if (b.Name.StartsWith(BackupSources.BitmapPrefix, StringComparison.Ordinal) && b.Name != keep)
                        await session.ExecuteAsync(BackupCommands.RemoveBitmap(s.Node.NodeName, b.Name), CancellationToken.None);
        }
    }

    /// <summary>
    /// Forgets every disk's change tracking, so that the next incremental backup is refused until a full one.
    /// Call it whenever disk content changes behind the bitmaps' back (a snapshot revert, a disk replaced). It does
    /// not take the VM's operation lock: call it from inside the operation that changed the disks.
    /// </summary>
    internal async Task InvalidateBackupBitmapsAsync(CancellationToken ct)
    {
        VmSpec spec;
        QemuSession? session;
        lock (_gate)
        {
            spec = _spec;
            session = _session;
        }
        ct.ThrowIfCancellationRequested();
        var (sources, _) = BackupSources.From(spec, _ctx.Planner.Plan(spec, Paths).Config.BlockNodes);
        try
        {
            await RemoveBitmapsAsync(session, sources, keep: null);
        }
        catch (Exception e) when (e is QmpException or QemuImgException)
        {
            throw new QemuFailedException($"cannot forget the backup change tracking of VM \"{Name}\": {e.Message}", e);
        }
    }
}

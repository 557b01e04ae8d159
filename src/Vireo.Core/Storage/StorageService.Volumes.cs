using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Persistence;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

public sealed partial class StorageService
{
    /// <summary>Volumes of one pool, or of every pool when <paramref name="pool"/> is null, ordered by pool and name.</summary>
    public async Task<IReadOnlyList<VolumeInfo>> ListVolumesAsync(string? pool, CancellationToken ct)
    {
        var pools = _store.ListPools();
        if (pool is not null)
            pools = [FindPool(pool)];
        var all = _store.ListVolumes();
        var wanted = all.Where(v => pools.Any(p => p.Name == v.Pool)).ToList();
        // qemu-img runs once per volume: a few at a time keeps a long list quick without flooding the host.
        using var gate = new SemaphoreSlim(4);
        var infos = await Task.WhenAll(wanted.Select(async v =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await InfoOfAsync(pools.First(p => p.Name == v.Pool), v, all, ct);
            }
            finally
            {
                gate.Release();
            }
        }));
        return infos;
    }

    public async Task<VolumeInfo> GetVolumeAsync(string reference, CancellationToken ct)
    {
        var (pool, volume) = FindVolume(reference);
        return await InfoOfAsync(pool, volume, _store.ListVolumes(), ct);
    }

    /// <summary>
    /// Creates an empty volume, or with <see cref="VolumeCreateRequest.Backing"/> a qcow2 overlay on a backing volume
    /// (its size defaults to the backing volume's). A failure (a full disk during preallocation) leaves nothing.
    /// </summary>
    public async Task<VolumeInfo> CreateVolumeAsync(string poolName, VolumeCreateRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (StorageNames.ValidateVolumeName(request.Name) is { } nameProblem)
            errors.Add(new FieldError { Field = "name", Value = request.Name, Message = nameProblem });
        var format = Collect(errors, () => ParseFormat(request.Format, "format", DiskFormat.Qcow2));
        var prealloc = Collect(errors, () => ParsePreallocation(request.Preallocation, format));
        long? size = null;
        if (request.Size is not null)
        {
            if (SizeParser.TryParse(request.Size, out var bytes, out var sizeProblem)) size = bytes;
            else errors.Add(new FieldError { Field = "size", Value = request.Size, Message = sizeProblem });
        }
        else if (request.Backing is null)
        {
            errors.Add(new FieldError { Field = "size", Message = "is required; give the virtual size with a unit, e.g. 20G or 512MiB" });
        }
        (PoolRecord Pool, VolumeRecord Volume)? backing = null;
        if (request.Backing is not null)
        {
            if (format is not DiskFormat.Qcow2)
                errors.Add(new FieldError { Field = "format", Value = request.Format, Message = "cannot have a backing volume; only qcow2 overlays can (leave format out or give qcow2)" });
            if (!StorageNames.TrySplit(request.Backing, out _, out _, out var backingProblem))
                errors.Add(new FieldError { Field = "backing", Value = request.Backing, Message = backingProblem });
        }
        if (errors.Count > 0)
            throw InvalidInputException.For("volume", errors);
        if (request.Backing is not null)
        {
            backing = FindVolume(request.Backing, "backing");
            // Like a linked clone, never under a VM's writable disk: the VM would change what the overlay reads, so it
            // could no longer start. Turning the disk into a base is the clone's explicit step, not a side effect.
            if (WritersOf(backing.Value.Pool, backing.Value.Volume) is { Count: > 0 } writers)
                throw new InvalidStateException(
                    $"Volume \"{request.Backing}\" is a writable disk of {(writers.Count == 1 ? "VM" : "VMs")} {Names(writers)}. A volume layered on it " +
                    $"would read blocks that the VM goes on changing, so the VM could no longer start.")
                {
                    Hint = $"Make a linked clone instead (vireo clone {writers[0]} NEW --linked): the volume becomes a read-only base under both VMs, " +
                        "and vol create --backing can then use that base. Or layer it on a copy (vireo vol clone).",
                };
        }

        var pool = await ReserveAsync(poolName, request.Name, ct);
        var temp = TempPath(pool, request.Name);
        using var intent = VolumeIntent("volume-create", pool, request.Name);
        try
        {
            var backingFile = backing is { } b ? new BackingFile(Path.Combine(b.Pool.Path, b.Volume.Name), ToDiskFormat(b.Volume.Format)) : null;
            await using var revert = new Engine.Reverter("volume-create", _log);
            revert.Add("partial-image", () => TryDelete(temp));
            revert.Step("create");
            try
            {
                await Img.CreateAsync(temp, format ?? DiskFormat.Qcow2, size, backingFile, prealloc ?? Preallocation.Off, ct);
            }
            catch (QemuImgException e)
            {
                throw Translate(e, $"cannot create volume {poolName}/{request.Name}");
            }
            var record = new VolumeRecord(pool.Name, request.Name, FormatName(format ?? DiskFormat.Qcow2), backing?.Volume.Pool, backing?.Volume.Name,
                QemuImg.PreallocationName(prealloc ?? Preallocation.Off), DateTimeOffset.UtcNow);
            revert.Step("commit");
            await CommitAsync(pool, temp, record, ct);
            revert.Success();
            return await InfoOfAsync(pool, record, _store.ListVolumes(), ct);
        }
        finally
        {
            TryDelete(temp);
            await ReleaseAsync(pool.Name, request.Name);
        }
    }

    /// <summary>A qcow2 overlay <paramref name="reference"/> on <paramref name="backingReference"/> (a linked copy).</summary>
    public async Task<ResolvedVolume> CreateOverlayAsync(string reference, string backingReference, CancellationToken ct)
    {
        var (poolName, name) = Split(reference, "volume");
        await CreateVolumeAsync(poolName, new VolumeCreateRequest { Name = name, Format = "qcow2", Backing = backingReference }, ct);
        return Resolve(reference, "volume");
    }

    /// <summary>Deletes a volume and its file. Refused while a defined VM uses it or another volume has it as backing.</summary>
    public async Task DeleteAsync(string reference, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var (pool, volume) = FindVolume(reference);
            if (ImageOwning(volume) is { } image)
                throw new InvalidStateException($"volume \"{reference}\" is a base volume of the image \"{image}\"") { Hint = $"Delete the image instead: vireo image delete {image}" };
            var users = UsersOf(pool, volume).Select(v => v.Spec.Name).ToList();
            if (users.Count > 0)
                throw new InvalidStateException(
                    $"volume \"{reference}\" is used by VM{(users.Count == 1 ? "" : "s")} {Names(users)}; remove the disk from {(users.Count == 1 ? "its" : "their")} spec or undefine {(users.Count == 1 ? "it" : "them")} first");
            var dependants = DependantsOf(volume, _store.ListVolumes()).Select(Ref).ToList();
            if (dependants.Count > 0)
                throw new InvalidStateException($"volume \"{reference}\" is the backing file of {Names(dependants)}")
                {
                    Hint = $"Delete {(dependants.Count == 1 ? "it" : "them")} first, or make stand-alone copies: vireo vol convert {dependants[0]} NEW --format qcow2",
                };
            if (_reading.ContainsKey((volume.Pool, volume.Name)))
                throw new InvalidStateException($"volume \"{reference}\" is being copied by a running operation; wait for it to end or cancel it");
            // The row first: a file left behind by a failed unlink is only an unmanaged file, never a dangling volume.
            // Journalled: a vireod killed between the row and the file deletes the file when it starts again.
            var path = Path.Combine(pool.Path, volume.Name);
            using var intent = VolumeIntent("volume-delete", pool, volume.Name);
            _store.DeleteVolume(volume.Pool, volume.Name);
            Changed?.Invoke(volume.Pool, $"volume {reference} deleted");
            Vireo.Host.CrashPoints.Hit("volume-delete.row-deleted");
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new QemuFailedException($"volume \"{reference}\" was removed from Vireo but its file {path} could not be deleted: {e.Message}");
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Sets the virtual size (<c>40G</c>) or grows it (<c>+10G</c>). Shrinking needs <see cref="VolumeResizeRequest.AllowShrink"/>
    /// and is refused for a backing volume; any resize is refused while a VM using the volume has a QEMU process.
    /// </summary>
    public async Task<VolumeInfo> ResizeAsync(string reference, VolumeResizeRequest request, CancellationToken ct)
    {
        var (bytes, grow, text) = ParseResize(request);
        await _lock.WaitAsync(ct);
        try
        {
            var (pool, volume) = FindVolume(reference);
            var all = _store.ListVolumes();
            if (volume.Base)
                throw new InvalidStateException($"Volume \"{reference}\" is a read-only base of linked clones; its size does not change.")
                {
                    Hint = "Resize the overlays on it instead (vireo vol info shows them), or copy it into a writable volume with vireo vol clone.",
                };
            var running = RunningUsers(pool, volume, all);
            if (running.Count > 0)
                throw new InvalidStateException(
                    $"volume \"{reference}\" is in use by running VM{(running.Count == 1 ? "" : "s")} {Names(running)}; shut {(running.Count == 1 ? "it" : "them")} down first (a disk is not resized behind a running guest's back)");
            if (_reading.ContainsKey((volume.Pool, volume.Name)))
                throw new InvalidStateException($"volume \"{reference}\" is being copied by a running operation; wait for it to end or cancel it");
            var path = Path.Combine(pool.Path, volume.Name);
            var format = ToDiskFormat(volume.Format);
            try
            {
                var current = (await Img.InfoAsync(path, format, ct)).VirtualSize;
                var target = grow ? checked(current + bytes) : bytes;
                if (target < current)
                {
                    if (!request.AllowShrink)
                        throw InvalidInputException.For("volume", [new FieldError
                        {
                            Field = "size",
                            Value = text,
                            Message = $"is smaller than the current {SizeParser.Format(current)}; the data past the new end would be lost",
                            Hint = $"To shrink it anyway, allow it: vireo vol resize {reference} {text} --allow-shrink (API: allow_shrink)",
                        }]);
                    var dependants = DependantsOf(volume, all).Select(Ref).ToList();
                    if (dependants.Count > 0)
                        throw new InvalidStateException($"volume \"{reference}\" is the backing file of {Names(dependants)}; shrinking it would cut data they read through it");
                }
                if (target != current)
                    await Img.ResizeAsync(path, format, target, target < current, ct);
            }
            catch (OverflowException)
            {
                throw InvalidInputException.For("volume", [new FieldError { Field = "size", Value = text, Message = "is too large" }]);
            }
            catch (QemuImgException e)
            {
                throw Translate(e, $"cannot resize volume {reference}");
            }
            Changed?.Invoke(pool.Name, $"volume {reference} resized");
            return await InfoOfAsync(pool, volume, all, ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A resize request's size: SIZE sets it, +SIZE adds to it; <paramref name="request"/>'s text comes back for messages.</summary>
    internal static (long Bytes, bool Grow, string Text) ParseResize(VolumeResizeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Size ?? "";
        var grow = text.StartsWith('+');
        if (!SizeParser.TryParse(grow ? text[1..] : text, out var bytes, out var problem))
            throw InvalidInputException.For("volume", [new FieldError { Field = "size", Value = text, Message = problem + "; write SIZE to set the size or +SIZE to grow it" }]);
        return (bytes, grow, text);
    }

    /// <summary>Names of VMs with a QEMU process that use the volume directly or through an overlay on it.</summary>
    private List<string> RunningUsers(PoolRecord pool, VolumeRecord volume, IReadOnlyList<VolumeRecord> all)
    {
        var pools = _store.ListPools();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<VolumeRecord>([volume]);
        var seen = new HashSet<(string, string)>();
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            if (!seen.Add((v.Pool, v.Name))) continue;
            var p = v == volume ? pool : pools.FirstOrDefault(x => x.Name == v.Pool);
            if (p is not null)
                foreach (var vm in UsersOf(p, v).Where(u => u.Running))
                    names.Add(vm.Spec.Name);
            foreach (var d in DependantsOf(v, all))
                queue.Enqueue(d);
        }
        return names.ToList();
    }

    private async Task<VolumeInfo> InfoOfAsync(PoolRecord pool, VolumeRecord volume, IReadOnlyList<VolumeRecord> all, CancellationToken ct)
    {
        var path = Path.Combine(pool.Path, volume.Name);
        var pools = _store.ListPools();
        var info = new VolumeInfo
        {
            Pool = volume.Pool,
            Name = volume.Name,
            Volume = Ref(volume),
            Path = path,
            Format = volume.Format,
            Preallocation = volume.Preallocation,
            Backing = volume.BackingPool is null ? null : StorageNames.Reference(volume.BackingPool, volume.BackingName!),
            BackingChain = ChainOf(volume, all).Select(v => new BackingLink
            {
                Volume = Ref(v),
                Format = v.Format,
                Path = Path.Combine(pools.FirstOrDefault(p => p.Name == v.Pool)?.Path ?? "?", v.Name),
            }).ToList(),
            UsedBy = UsersOf(pool, volume).Select(v => v.Spec.Name).Order(StringComparer.Ordinal).ToList(),
            Dependants = DependantsOf(volume, all).Select(Ref).ToList(),
            Base = volume.Base,
            LayeredUsers = LayeredUsers(volume, all, pools),
            CreatedAt = volume.CreatedAt,
        };
        if (!File.Exists(path))
            return info with { Problem = $"the file {path} is missing" };
        try
        {
            // -U: a running VM holds the image locked; the figures may then be a moment old.
            var image = await Img.InfoAsync(path, ToDiskFormat(volume.Format), forceShare: true, ct);
            return info with
            {
                VirtualSizeBytes = image.VirtualSize,
                ActualSizeBytes = image.ActualSize,
                ClusterSize = image.ClusterSize,
                Corrupt = image.Corrupt,
            };
        }
        catch (QemuImgException e)
        {
            return info with { Problem = e.Message };
        }
    }

    /// <summary>VMs with a disk on a volume whose backing chain includes <paramref name="volume"/>.</summary>
    private List<string> LayeredUsers(VolumeRecord volume, IReadOnlyList<VolumeRecord> all, IReadOnlyList<PoolRecord> pools) =>
        all.Where(v => ChainOf(v, all).Any(c => c.Pool == volume.Pool && c.Name == volume.Name))
            .SelectMany(v => pools.FirstOrDefault(p => p.Name == v.Pool) is { } p ? UsersOf(p, v) : [])
            .Select(vm => vm.Spec.Name).Distinct().Order(StringComparer.Ordinal).ToList();

    private static Preallocation ParsePreallocation(string? text, DiskFormat? format) => text switch
    {
        null or "" or "off" => Preallocation.Off,
        "metadata" when format == DiskFormat.Raw => throw InvalidInputException.For("volume", [new FieldError { Field = "preallocation", Value = text, Message = "exists only for qcow2 (raw has no metadata); use off, falloc or full" }]),
        "metadata" => Preallocation.Metadata,
        "falloc" => Preallocation.Falloc,
        "full" => Preallocation.Full,
        _ => throw InvalidInputException.For("volume", [new FieldError { Field = "preallocation", Value = text, Message = "is not a preallocation mode; use off, metadata (qcow2), falloc or full" }]),
    };

    /// <summary>Runs a parser that throws field errors and collects them, so that every problem is reported at once.</summary>
    private static T? Collect<T>(List<FieldError> errors, Func<T> parse) where T : struct
    {
        try
        {
            return parse();
        }
        catch (InvalidInputException e)
        {
            errors.AddRange(e.FieldErrors);
            return null;
        }
    }

    /// <summary>
    /// Claims POOL/NAME for a volume about to be written: the pool must be usable and the name free of a volume, of a
    /// creation in progress and of any file Vireo did not create (which it never overwrites).
    /// </summary>
    private async Task<PoolRecord> ReserveAsync(string poolName, string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var pool = FindPool(poolName);
            var reference = StorageNames.Reference(poolName, name);
            if (!Directory.Exists(pool.Path))
                throw new InvalidStateException($"pool \"{poolName}\" is not usable: its directory {pool.Path} does not exist");
            if (_store.ListVolumes().Any(v => v.Pool == poolName && v.Name == name))
                throw new AlreadyExistsException($"volume \"{reference}\" already exists")
                {
                    Hint = $"Choose another name; to see that volume: vireo vol info {reference}",
                };
            if (_pending.Contains((poolName, name)))
                throw new AlreadyExistsException($"volume \"{reference}\" is being created by a running operation");
            var path = Path.Combine(pool.Path, name);
            if (File.Exists(path) || Directory.Exists(path))
                throw new AlreadyExistsException($"{path} already exists and is not a Vireo volume; Vireo never overwrites a file it did not create")
                {
                    Hint = $"Choose another name, or move the file away; to copy it into the pool: vireo vol import {poolName}/NEWNAME --from {path} --source-format FORMAT",
                };
            _pending.Add((poolName, name));
            return pool;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ReleaseAsync(string pool, string name)
    {
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            _pending.Remove((pool, name));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The operation journal's intent for a volume being made (issue 18): a kill -9 between the rename and the row
    /// would leave a file under the volume's name that no row owns; the next vireod removes it (VmEngine.Recovery.cs).
    /// </summary>
    private Operations.OperationJournal.Intent VolumeIntent(string kind, PoolRecord pool, string name) =>
        new Operations.OperationJournal(_store).Begin(kind, StorageNames.Reference(pool.Name, name), Path.Combine(pool.Path, name));

    /// <summary>Gives the complete file its name, then records it. A failure removes the file again.</summary>
    private async Task CommitAsync(PoolRecord pool, string temp, VolumeRecord record, CancellationToken ct)
    {
        var path = Path.Combine(pool.Path, record.Name);
        ct.ThrowIfCancellationRequested();
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            await using var revert = new Engine.Reverter("volume-commit", _log);
            Vireo.Host.CrashPoints.Hit("volume.file-made");
            try
            {
                Vireo.Host.Os.AtomicFile.Commit(temp, path, overwrite: false);
            }
            catch (IOException e)
            {
                throw new AlreadyExistsException($"cannot name the new volume {path}: {e.Message}");
            }
            Vireo.Host.CrashPoints.Hit("volume.renamed");
            // Only the file this commit named: an existing one of that name (the move refused) is never touched.
            revert.Add("image", () => TryDelete(path));
            revert.Step("row");
            if (!_store.InsertVolume(record))
                throw new AlreadyExistsException($"volume \"{Ref(record)}\" already exists");
            revert.Success();
            Changed?.Invoke(pool.Name, $"volume {Ref(record)} added");
        }
        finally
        {
            _lock.Release();
        }
    }
}

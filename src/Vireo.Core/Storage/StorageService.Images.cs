using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;

namespace Vireo.Core.Storage;

/// <summary>A base volume of the images catalogue, written under <see cref="Temp"/> and named <see cref="Name"/> when complete.</summary>
public sealed record ImageFile(string Name, string Temp);

public sealed partial class StorageService
{
    /// <summary>The pool that holds the images catalogue's read-only base volumes, made on first use.</summary>
    public const string ImagesPool = "images";

    /// <summary>Where the <c>images</c> pool lives: STATE_DIR/pools/images (like libvirt's /var/lib/libvirt/images).</summary>
    public string ImagesPoolPath => Path.Combine(_paths.Root, "pools", ImagesPool);

    /// <summary>
    /// Reserves the names of an image's base volumes in the <c>images</c> pool (made when missing) and gives each a
    /// temporary path in the pool's directory to write. <see cref="ReleaseImageFilesAsync"/> undoes it.
    /// </summary>
    public async Task<IReadOnlyList<ImageFile>> ReserveImageFilesAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (!_store.ListPools().Any(p => p.Name == ImagesPool))
                CreatePoolCore(new PoolSpec { Name = ImagesPool, Path = ImagesPoolPath });
        }
        finally
        {
            _lock.Release();
        }
        var reserved = new List<ImageFile>();
        try
        {
            foreach (var name in names)
            {
                var pool = await ReserveAsync(ImagesPool, name, ct);
                reserved.Add(new ImageFile(name, TempPath(pool, name)));
            }
            return reserved;
        }
        catch
        {
            await ReleaseImageFilesAsync(reserved);
            throw;
        }
    }

    /// <summary>A temporary path in the <c>images</c> pool for a scratch file (an OVA's extracted disk); removed by the caller, or at the next start.</summary>
    public string ImagesScratchPath(string what) =>
        Path.Combine(ImagesPoolPath, TempPrefix + Guid.NewGuid().ToString("N")[..8] + "-" + what);

    /// <summary>Removes the temporary files and frees the names.</summary>
    public async Task ReleaseImageFilesAsync(IReadOnlyList<ImageFile> files)
    {
        foreach (var f in files)
            TryDelete(f.Temp);
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var f in files)
                _pending.Remove((ImagesPool, f.Name));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Names the complete files (mode 0444: nothing writes a base) and records them with the image in one transaction,
    /// replacing <paramref name="replacing"/> (whose files are deleted afterwards). A failure removes the new files.
    /// </summary>
    public async Task CommitImageAsync(ImageRecord image, IReadOnlyList<ImageFile> files, ImageRecord? replacing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(image);
        ct.ThrowIfCancellationRequested();
        await _lock.WaitAsync(CancellationToken.None);
        var moved = new List<string>();
        var poolPath = ImagesPoolPath;
        try
        {
            var pool = FindPool(ImagesPool);
            poolPath = pool.Path;
            var oldVolumes = replacing is null ? [] : ImageVolumes(replacing);
            foreach (var f in files)
            {
                File.SetUnixFileMode(f.Temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                var path = Path.Combine(pool.Path, f.Name);
                Vireo.Host.Os.AtomicFile.Commit(f.Temp, path, overwrite: false);
                moved.Add(path);
            }
            var now = DateTimeOffset.UtcNow;
            var records = files.Select(f => new VolumeRecord(ImagesPool, f.Name, "qcow2", null, null, null, now, Base: true)).ToList();
            if (!_store.InsertImage(image, records, replacing, oldVolumes))
                throw new AlreadyExistsException($"image \"{image.Name}\" already exists")
                {
                    Hint = $"Choose another name; to see that image: vireo image info {image.Name}",
                };
            moved.Clear();
            foreach (var old in oldVolumes)
                TryDelete(Path.Combine(pool.Path, old.Name));
        }
        catch (IOException e)
        {
            throw new AlreadyExistsException($"cannot name the new base volume in {poolPath}: {e.Message}");
        }
        finally
        {
            foreach (var path in moved)
                TryDelete(path);
            _lock.Release();
        }
    }

    /// <summary>
    /// Removes an image and its base volumes. Refused while a VM uses it (a disk layered on a base volume, or a VM
    /// whose spec records the image) or any volume is still layered on it; the message names them.
    /// </summary>
    public async Task DeleteImageAsync(ImageRecord image, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(image);
        await _lock.WaitAsync(ct);
        try
        {
            var (vms, volumes) = ImageUsersCore(image);
            if (vms.Count > 0)
                throw new InvalidStateException(
                    $"image \"{image.Name}\" is used by VM{(vms.Count == 1 ? "" : "s")} {Names(vms)}: {(vms.Count == 1 ? "its disk reads" : "their disks read")} from it, or {(vms.Count == 1 ? "it was" : "they were")} made from it")
                {
                    Hint = $"Undefine {(vms.Count == 1 ? "it" : "them")} first (vireo undefine {vms[0]} --remove-all-storage), then delete the image",
                };
            if (volumes.Count > 0)
                throw new InvalidStateException($"image \"{image.Name}\" is the backing file of volume{(volumes.Count == 1 ? "" : "s")} {Names(volumes)}")
                {
                    Hint = $"Delete {(volumes.Count == 1 ? "it" : "them")} first: vireo vol delete {volumes[0]}",
                };
            var own = ImageVolumes(image);
            if (own.Any(v => _reading.ContainsKey((v.Pool, v.Name))))
                throw new InvalidStateException($"image \"{image.Name}\" is being copied by a running operation; wait for it to end or cancel it");
            _store.DeleteImage(image.Name, own);
            var pool = _store.ListPools().FirstOrDefault(p => p.Name == ImagesPool);
            if (pool is not null)
                foreach (var v in own)
                    TryDelete(Path.Combine(pool.Path, v.Name));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The VMs that use an image (by a disk layered on its base volumes, or by their spec's <c>image</c>), sorted.</summary>
    public IReadOnlyList<string> ImageUsers(ImageRecord image) => ImageUsersCore(image).Vms;

    private (List<string> Vms, List<string> OrphanVolumes) ImageUsersCore(ImageRecord image)
    {
        var all = _store.ListVolumes();
        var pools = _store.ListPools();
        var vms = new SortedSet<string>(StringComparer.Ordinal);
        var orphans = new List<string>();
        foreach (var vm in _vms())
            if (vm.Spec.Image == image.Name)
                vms.Add(vm.Spec.Name);
        // Every volume layered on a base volume, however deep (an overlay of an overlay reads the base too).
        var queue = new Queue<VolumeRecord>(ImageVolumes(image));
        var seen = new HashSet<(string, string)>();
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var d in DependantsOf(v, all))
            {
                if (!seen.Add((d.Pool, d.Name))) continue;
                queue.Enqueue(d);
                var pool = pools.FirstOrDefault(p => p.Name == d.Pool);
                var users = pool is null ? [] : UsersOf(pool, d).Select(u => u.Spec.Name).ToList();
                foreach (var u in users) vms.Add(u);
                if (users.Count == 0 && DependantsOf(d, all).Count == 0) orphans.Add(Ref(d));
            }
        }
        return (vms.ToList(), orphans);
    }

    /// <summary>The image whose base volume <paramref name="volume"/> is, or null.</summary>
    private string? ImageOwning(VolumeRecord volume) =>
        volume.Pool != ImagesPool ? null : _store.ListImages().FirstOrDefault(i =>
            (System.Text.Json.JsonSerializer.Deserialize(i.VolumesJson, VireoJsonContext.Default.ListString) ?? []).Contains(Ref(volume)))?.Name;

    private List<VolumeRecord> ImageVolumes(ImageRecord image)
    {
        var names = System.Text.Json.JsonSerializer.Deserialize(image.VolumesJson, VireoJsonContext.Default.ListString) ?? [image.Volume];
        var all = _store.ListVolumes();
        return names.Select(r => StorageNames.TrySplit(r, out var p, out var n, out _) ? all.FirstOrDefault(v => v.Pool == p && v.Name == n) : null)
            .OfType<VolumeRecord>().ToList();
    }
}

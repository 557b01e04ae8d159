using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Persistence;

namespace Vireo.Core.Storage;

public sealed partial class StorageService
{
    public IReadOnlyList<PoolInfo> ListPools()
    {
        var volumes = _store.ListVolumes();
        return _store.ListPools().Select(p => PoolInfoOf(p, volumes)).ToList();
    }

    public PoolInfo GetPool(string name) => PoolInfoOf(FindPool(name), _store.ListVolumes());

    /// <summary>
    /// Defines a directory pool, creating the directory when it is missing. Refused, with nothing changed, for a
    /// relative path, a file, a system directory, or a directory that is, contains or lies inside another pool.
    /// </summary>
    public async Task<PoolInfo> CreatePoolAsync(PoolSpec spec, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await _lock.WaitAsync(ct);
        try
        {
            var record = CreatePoolCore(spec);
            Changed?.Invoke(record.Name, "pool created");
            return PoolInfoOf(record, _store.ListVolumes());
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Removes a pool's definition. Refused while it holds volumes. Only an empty directory Vireo created is removed.</summary>
    public async Task DeletePoolAsync(string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var pool = FindPool(name);
            var volumes = _store.ListVolumes().Where(v => v.Pool == name).Select(v => v.Name).ToList();
            if (volumes.Count > 0)
                throw new InvalidStateException($"pool \"{name}\" holds {volumes.Count} volume{(volumes.Count == 1 ? "" : "s")} ({Names(volumes)})")
                {
                    Hint = $"Delete {(volumes.Count == 1 ? "it" : "them")} first: vireo vol delete {name}/{volumes[0]}",
                };
            if (_pending.Any(p => p.Pool == name))
                throw new InvalidStateException($"pool \"{name}\" has a volume being created; wait for the operation to end or cancel it");
            _store.DeletePool(name);
            Changed?.Invoke(name, "pool deleted");
            if (pool.CreatedDirectory)
            {
                try
                {
                    // Not recursive: a directory that still holds anything (files Vireo did not create) stays.
                    if (Directory.Exists(pool.Path) && !Directory.EnumerateFileSystemEntries(pool.Path).Any())
                        Directory.Delete(pool.Path);
                }
                catch (IOException e)
                {
                    _log.LogWarning("pool {Pool}: cannot remove {Dir}: {Error}", name, pool.Path, e.Message);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private PoolRecord CreatePoolCore(PoolSpec spec)
    {
        var errors = new List<FieldError>();
        if (VmNameRules.Validate(spec.Name) is { } nameProblem)
            errors.Add(new FieldError { Field = "name", Value = spec.Name, Message = nameProblem });
        string? canonical = null;
        if (string.IsNullOrWhiteSpace(spec.Path))
            errors.Add(new FieldError { Field = "path", Message = "is required; give the absolute path of the pool's directory, e.g. /srv/vireo/fast" });
        else if (!Path.IsPathFullyQualified(spec.Path))
            errors.Add(new FieldError { Field = "path", Value = spec.Path, Message = "is relative; give an absolute path, e.g. /srv/vireo/fast" });
        else if (spec.Path.Contains('\0') || spec.Path.Any(char.IsControl))
            errors.Add(new FieldError { Field = "path", Value = spec.Path, Message = "contains a control character" });
        else
        {
            canonical = PoolPaths.Canonical(spec.Path);
            if (PathProblem(canonical) is { } pathProblem)
                errors.Add(new FieldError { Field = "path", Value = spec.Path, Message = pathProblem });
        }
        if (errors.Count > 0)
            throw InvalidInputException.For("pool", errors);
        if (_store.ListPools().Any(p => p.Name == spec.Name))
            throw new AlreadyExistsException($"pool \"{spec.Name}\" already exists")
            {
                Hint = $"Choose another name; to see that pool: vireo pool info {spec.Name}",
            };

        var created = false;
        if (!Directory.Exists(canonical!))
        {
            try
            {
                Directory.CreateDirectory(canonical!);
                created = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw InvalidInputException.For("pool", [new FieldError { Field = "path", Value = spec.Path, Message = $"cannot be created: {e.Message}" }]);
            }
        }
        var record = new PoolRecord(spec.Name, canonical!, created, DateTimeOffset.UtcNow);
        if (!_store.InsertPool(record))
        {
            if (created) TryDeleteEmptyDirectory(canonical!);
            throw new AlreadyExistsException($"pool \"{spec.Name}\" or a pool at {canonical} already exists");
        }
        return record;
    }

    private string? PathProblem(string canonical)
    {
        if (PoolPaths.SystemProblem(canonical) is { } system) return system;
        if (File.Exists(canonical)) return "is a file; a pool is a directory";
        var state = _paths.Root;
        var poolsRoot = Path.Combine(state, "pools");
        if (PoolPaths.IsSameOrInside(state, canonical))
            return $"contains Vireo's state directory {state}; give a directory of its own";
        if (PoolPaths.IsSameOrInside(canonical, state) && !(PoolPaths.IsSameOrInside(canonical, poolsRoot) && canonical != poolsRoot))
            return $"is inside Vireo's state directory {state}, where only {poolsRoot}/NAME may hold a pool";
        foreach (var other in _store.ListPools())
        {
            if (other.Path == canonical) return $"is already the directory of pool \"{other.Name}\"";
            if (PoolPaths.IsSameOrInside(canonical, other.Path)) return $"is inside pool \"{other.Name}\" ({other.Path}); pools may not overlap";
            if (PoolPaths.IsSameOrInside(other.Path, canonical)) return $"contains pool \"{other.Name}\" ({other.Path}); pools may not overlap";
        }
        return null;
    }

    private PoolInfo PoolInfoOf(PoolRecord pool, IReadOnlyList<VolumeRecord> volumes)
    {
        var mine = volumes.Where(v => v.Pool == pool.Name).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var info = new PoolInfo { Name = pool.Name, Path = pool.Path, Volumes = mine.Count, CreatedDirectory = pool.CreatedDirectory, CreatedAt = pool.CreatedAt };
        if (!Directory.Exists(pool.Path))
            return info with { Available = false, Reason = $"the directory {pool.Path} does not exist" };
        try
        {
            var unmanaged = Directory.EnumerateFileSystemEntries(pool.Path)
                .Select(Path.GetFileName)
                .Where(n => n is not null && !mine.Contains(n) && !n.StartsWith(TempPrefix, StringComparison.Ordinal))
                .Select(n => n!)
                .Order(StringComparer.Ordinal)
                .ToList();
            // statvfs(2) of the directory: the figures of the file system that holds it.
            var drive = new DriveInfo(pool.Path);
            long capacity = drive.TotalSize, free = drive.TotalFreeSpace;
            return info with
            {
                Unmanaged = unmanaged,
                CapacityBytes = capacity,
                AllocationBytes = capacity - free,
                AvailableBytes = drive.AvailableFreeSpace,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return info with { Available = false, Reason = $"the directory {pool.Path} cannot be read: {e.Message}" };
        }
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= 10 ? string.Join(", ", names) : string.Join(", ", names.Take(10)) + $" and {names.Count - 10} more";

    private static void TryDeleteEmptyDirectory(string dir)
    {
        try { Directory.Delete(dir); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

using Vireo.Contracts;
using Vireo.Core.Specs;
using Vireo.Persistence;

namespace Vireo.Core.Storage;

public sealed partial class StorageService
{
    /// <summary>
    /// The volumes (<c>POOL/NAME</c>) whose backing file is the image at <paramref name="path"/>: linked clones that
    /// read their unchanged blocks from it. Writing to such a base changes what every dependant sees, so a VM
    /// must not use it as a writable disk.
    /// </summary>
    public IReadOnlyList<string> DependantsOfPath(string path)
    {
        if (!Path.IsPathFullyQualified(path))
            return [];
        var full = Path.GetFullPath(path);
        var all = _store.ListVolumes();
        foreach (var pool in _store.ListPools())
        {
            foreach (var volume in all.Where(v => v.Pool == pool.Name))
            {
                var volumePath = Path.Combine(pool.Path, volume.Name);
                if (SamePath(full, volumePath))
                    return DependantsOf(volume, all).Select(Ref).ToList();
            }
        }
        return [];
    }

    /// <summary>
    /// Null when a VM may write the image at <paramref name="path"/>; otherwise why not: it is a read-only base, or
    /// other volumes are layered on it (they would change with it).
    /// </summary>
    public string? WriteProblem(string path)
    {
        if (!Path.IsPathFullyQualified(path))
            return null;
        var full = Path.GetFullPath(path);
        var all = _store.ListVolumes();
        foreach (var pool in _store.ListPools())
        {
            foreach (var volume in all.Where(v => v.Pool == pool.Name))
            {
                if (!SamePath(full, Path.Combine(pool.Path, volume.Name)))
                    continue;
                var dependants = DependantsOf(volume, all).Select(Ref).ToList();
                if (volume.Base)
                    return dependants.Count == 0
                        ? "is a read-only base volume (made by a linked clone); no VM writes it"
                        : $"is a read-only base volume under {Names(dependants)}, which read their unchanged blocks from it; no VM writes it";
                if (dependants.Count > 0)
                    return $"has volumes layered on it ({Names(dependants)}), which read their unchanged blocks from it; writing it would change them";
                return null;
            }
        }
        return null;
    }

    /// <summary>
    /// The writable volumes of <paramref name="spec"/> (<c>POOL/NAME</c>) that other volumes sit on directly although
    /// they are no base: linked clones made by an older Vireo. The VM cannot write them until each becomes a
    /// read-only base under a fresh overlay (<see cref="PlanHealAsync"/>).
    /// </summary>
    public IReadOnlyList<string> LegacyLinkedVolumes(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var all = _store.ListVolumes();
        return spec.Disks.Where(d => d.Volume is not null && !VmSpecDefaults.IsReadonly(d)).Select(d => d.Volume!).Distinct()
            .Where(r => StorageNames.TrySplit(r, out var pool, out var name, out _)
                && all.FirstOrDefault(v => v.Pool == pool && v.Name == name) is { Base: false } volume
                && DependantsOf(volume, all).Count > 0)
            .ToList();
    }

    /// <summary>The VMs that write the volume: a disk on it that is neither read-only nor a CD-ROM.</summary>
    private List<string> WritersOf(PoolRecord pool, VolumeRecord volume)
    {
        var reference = Ref(volume);
        var path = Path.Combine(pool.Path, volume.Name);
        return _vms().Where(vm => vm.Spec.Disks.Any(d => !VmSpecDefaults.IsReadonly(d) && (d.Volume == reference || (d.Path is { Length: > 0 } p && SamePath(p, path)))))
            .Select(vm => vm.Spec.Name).Order(StringComparer.Ordinal).ToList();
    }
}

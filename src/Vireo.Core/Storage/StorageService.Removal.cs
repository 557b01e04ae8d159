using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;

namespace Vireo.Core.Storage;

/// <summary>Which of a VM's disk images are its own (removed with it by <c>undefine --remove-all-storage</c>), and why the others stay.</summary>
public sealed record StorageRemovalPlan(IReadOnlyList<string> Own, IReadOnlyList<StorageRemoval> Kept);

public sealed partial class StorageService
{
    /// <summary>
    /// Sorts the disks of VM <paramref name="spec"/> as <c>virsh undefine --remove-all-storage</c> would, never
    /// touching anything shared: a disk is the VM's own when it is a writable pool volume that no other VM uses
    /// and on which no other volume is layered. Read-only bases, read-only disks, CD-ROM media and images outside
    /// the pools are kept, each with the reason; so is the base under an own overlay (it stays in the pool, and
    /// can be deleted once nothing is layered on it). Changes nothing.
    /// </summary>
    public StorageRemovalPlan PlanRemoval(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var pools = _store.ListPools();
        var all = _store.ListVolumes();
        var own = new List<string>();
        var kept = new List<StorageRemoval>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var disk in spec.Disks)
        {
            if (disk.Path is not { } path)
                continue;
            var found = FindByDisk(disk, pools, all);
            var reference = found is { } f ? Ref(f.Volume) : null;
            if (!seen.Add(reference ?? path))
                continue;
            StorageRemoval Keep(string reason) => new() { Volume = reference, Path = path, Reason = reason };
            if (disk.Device == "cdrom")
            {
                kept.Add(Keep("a CD-ROM medium"));
                continue;
            }
            if (found is not { } hit)
            {
                kept.Add(Keep("not a volume of a storage pool; only pool volumes are removed"));
                continue;
            }
            if (hit.Volume.Base)
            {
                kept.Add(Keep("a read-only base"));
                continue;
            }
            if (disk.Readonly)
            {
                kept.Add(Keep("attached read-only (shared media)"));
                continue;
            }
            var others = UsersOf(hit.Pool, hit.Volume).Select(v => v.Spec.Name).Where(n => n != spec.Name).Order(StringComparer.Ordinal).ToList();
            if (others.Count > 0)
            {
                kept.Add(Keep($"also a disk of VM {Names(others)}"));
                continue;
            }
            var dependants = DependantsOf(hit.Volume, all).Select(Ref).ToList();
            if (dependants.Count > 0)
            {
                kept.Add(Keep($"volumes are layered on it ({Names(dependants)})"));
                continue;
            }
            own.Add(reference!);
        }
        // The bases under the VM's own overlays stay: say so, so that nobody wonders where they went.
        foreach (var reference in own.ToList())
        {
            var volume = all.First(v => Ref(v) == reference);
            if (volume.BackingPool is null)
                continue;
            var backing = StorageNames.Reference(volume.BackingPool, volume.BackingName!);
            if (!seen.Add(backing))
                continue;
            var backingRecord = all.FirstOrDefault(v => Ref(v) == backing);
            var stillLayered = backingRecord is null ? [] : DependantsOf(backingRecord, all).Select(Ref).Where(d => d != reference).ToList();
            kept.Add(new StorageRemoval
            {
                Volume = backing,
                Path = pools.FirstOrDefault(p => p.Name == volume.BackingPool) is { } bp ? Path.Combine(bp.Path, volume.BackingName!) : null,
                Reason = stillLayered.Count > 0
                    ? $"the base under {reference}; other volumes are still layered on it ({Names(stillLayered)})"
                    : $"the base under {reference}; it stays in the pool and can be deleted now that nothing is layered on it",
            });
        }
        return new StorageRemovalPlan(own, kept);
    }

    /// <summary>The pool volume a disk names (by <c>volume</c>, or by a <c>path</c> that is a volume's file), or null.</summary>
    private static (PoolRecord Pool, VolumeRecord Volume)? FindByDisk(DiskSpec disk, IReadOnlyList<PoolRecord> pools, IReadOnlyList<VolumeRecord> all)
    {
        if (disk.Volume is { } reference && StorageNames.TrySplit(reference, out var poolName, out var name, out _))
        {
            var volume = all.FirstOrDefault(v => v.Pool == poolName && v.Name == name);
            var pool = pools.FirstOrDefault(p => p.Name == poolName);
            if (volume is not null && pool is not null)
                return (pool, volume);
        }
        if (disk.Path is { } path)
        {
            foreach (var volume in all)
            {
                var pool = pools.FirstOrDefault(p => p.Name == volume.Pool);
                if (pool is not null && SamePath(path, Path.Combine(pool.Path, volume.Name)))
                    return (pool, volume);
            }
        }
        return null;
    }

    /// <summary>
    /// Deletes the volumes <paramref name="own"/> (from <see cref="PlanRemoval"/>, after the VM is gone), each checked
    /// again as <c>vol delete</c> checks it. One that cannot be deleted is reported with the reason and left as it is.
    /// </summary>
    public async Task<IReadOnlyList<StorageRemoval>> RemoveOwnAsync(IReadOnlyList<string> own)
    {
        ArgumentNullException.ThrowIfNull(own);
        var pools = _store.ListPools();
        var result = new List<StorageRemoval>();
        foreach (var reference in own)
        {
            var path = StorageNames.TrySplit(reference, out var pool, out var name, out _) && pools.FirstOrDefault(p => p.Name == pool) is { } p
                ? Path.Combine(p.Path, name) : null;
            try
            {
                await DeleteAsync(reference, CancellationToken.None);
                result.Add(new StorageRemoval { Volume = reference, Path = path, Removed = true });
            }
            catch (VireoException e)
            {
                result.Add(new StorageRemoval { Volume = reference, Path = path, Removed = false, Reason = "could not be removed: " + e.Message });
            }
        }
        return result;
    }
}

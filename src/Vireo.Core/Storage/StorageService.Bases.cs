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
}

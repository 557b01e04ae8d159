using Vireo.Contracts;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

public sealed partial class StorageService
{
    /// <summary>
    /// The pools' disk figures for <c>GET /v1/host/usage</c>: capacity and used space of the file systems that hold
    /// them (a file system holding several pools counts once), and the virtual sizes of every volume (what the guests
    /// could fill, read from the files: a raw file's length, a qcow2 header's size field). No qemu-img runs.
    /// </summary>
    public ByteUsage DiskUsage()
    {
        var pools = _store.ListPools();
        var volumes = _store.ListVolumes();
        var mounts = MountPoints();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long capacity = 0, used = 0, allocated = 0;
        foreach (var pool in pools)
        {
            if (!Directory.Exists(pool.Path))
                continue;
            try
            {
                var mount = mounts.Where(m => IsUnder(pool.Path, m)).MaxBy(m => m.Length) ?? pool.Path;
                if (seen.Add(mount))
                {
                    var drive = new DriveInfo(pool.Path);
                    capacity += drive.TotalSize;
                    used += drive.TotalSize - drive.TotalFreeSpace;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var volume in volumes.Where(v => v.Pool == pool.Name))
            {
                var format = volume.Format == "raw" ? DiskFormat.Raw : DiskFormat.Qcow2;
                allocated += VirtualSizeOf(Path.Combine(pool.Path, volume.Name), format) ?? 0;
            }
        }
        return new ByteUsage { Capacity = capacity, Allocated = allocated, Used = used };
    }

    /// <summary>Each pool's file system: its size and free space (for the pool-nearly-full alert), by pool name.</summary>
    public IReadOnlyList<(string Pool, long Capacity, long Available)> PoolSpace()
    {
        var result = new List<(string, long, long)>();
        foreach (var pool in _store.ListPools())
        {
            try
            {
                if (!Directory.Exists(pool.Path))
                    continue;
                var drive = new DriveInfo(pool.Path);
                result.Add((pool.Name, drive.TotalSize, drive.AvailableFreeSpace));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return result;
    }

    private static List<string> MountPoints()
    {
        try
        {
            return File.ReadLines("/proc/self/mounts")
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 1)
                .Select(f => f[1].Replace("\\040", " ", StringComparison.Ordinal))
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static bool IsUnder(string path, string mount) =>
        mount == "/" || path == mount || path.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
}

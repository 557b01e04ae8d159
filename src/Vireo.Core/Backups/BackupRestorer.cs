using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Backups;

/// <summary>One disk to restore: the backup's disk and the image file to (re)write.</summary>
internal sealed record RestoreItem(BackupDisk Disk, string Destination, DiskFormat Format, bool Replace);

/// <summary>
/// Writes backed-up disks back: qemu-img reads the backup's chain (incremental → ... → full) into a temporary
/// file next to each destination, <c>qemu-img compare</c> checks it against the chain, and only when every disk
/// is written and verified are the files renamed over their destinations (each rename is atomic). A failure or a
/// cancellation leaves every destination as it was.
/// </summary>
internal static class BackupRestorer
{
    public static async Task<IReadOnlyList<RestoredDisk>> RestoreAsync(QemuImg img, BackupInfo backup, IReadOnlyList<RestoreItem> items,
        IProgress<double>? progress, CancellationToken ct)
    {
        var dir = backup.Path ?? throw new ArgumentException("the backup has no directory", nameof(backup));
        foreach (var item in items)
            CheckChain(dir, item.Disk);
        var total = Math.Max(1, items.Sum(i => i.Disk.VirtualSize));
        long done = 0;
        var temps = new List<(RestoreItem Item, string Temp, ImageComparison Check)>();
        try
        {
            foreach (var item in items)
            {
                var top = Path.Combine(dir, item.Disk.File);
                var temp = Path.Combine(Path.GetDirectoryName(item.Destination)!, $".{Path.GetFileName(item.Destination)}.vireo-restore-{backup.Id}");
                if (File.Exists(temp))
                    File.Delete(temp);
                var before = done;
                var size = item.Disk.VirtualSize;
                temps.Add((item, temp, new ImageComparison(false, "")));
                // 90% of a disk's share for the copy, the rest for the comparison that follows it.
                await img.ConvertAsync(top, DiskFormat.Qcow2, temp, item.Format, new SyncProgress(f => progress?.Report((before + 0.9 * f * size) / total)), ct);
                var check = await img.CompareAsync(top, DiskFormat.Qcow2, temp, item.Format, forceShare: false, ct);
                if (!check.Identical)
                    throw new QemuFailedException($"the restored image of disk {item.Disk.Index} differs from backup {backup.Id}: {check.Detail}; nothing was replaced");
                temps[^1] = (item, temp, check);
                done += size;
                progress?.Report((double)done / total);
            }
            foreach (var (item, temp, _) in temps)
            {
                if (!item.Replace && File.Exists(item.Destination))
                    throw new AlreadyExistsException($"{item.Destination} already exists; a restore never overwrites a file") { Hint = "Choose a new file name" };
                // The restored image takes the place of the old one with its permissions (a VM disk is often 0600).
                if (item.Replace && File.Exists(item.Destination))
                    File.SetUnixFileMode(temp, File.GetUnixFileMode(item.Destination));
                Vireo.Host.Os.AtomicFile.Commit(temp, item.Destination, overwrite: item.Replace);
            }
        }
        catch (Exception e)
        {
            foreach (var (_, temp, _) in temps)
                TryDelete(temp);
            var wrapped = BackupErrors.Wrap(e, $"the restore of backup {backup.Id}");
            if (wrapped == e)
                throw;
            throw wrapped;
        }
        return temps.Select(t => new RestoredDisk
        {
            Index = t.Item.Disk.Index,
            Path = t.Item.Destination,
            Format = BlockNode.FormatName(t.Item.Format),
            Verified = t.Check.Identical,
            Detail = t.Check.Detail,
        }).ToList();
    }

    /// <summary>Every file of the chain must be there; a missing parent would otherwise surface as a qemu-img error.</summary>
    private static void CheckChain(string dir, BackupDisk disk)
    {
        var file = Path.GetFullPath(Path.Combine(dir, disk.File));
        if (!File.Exists(file))
            throw new BackupNotFoundException($"backup file {file} is missing; the backup is damaged");
        var backing = disk.Backing;
        var current = dir;
        for (var depth = 0; backing is not null && depth < 10000; depth++)
        {
            var path = Path.GetFullPath(Path.Combine(current, backing));
            if (!File.Exists(path))
                throw new BackupNotFoundException($"the backup needs {path}, an earlier backup of its chain, which is missing; restore a complete chain");
            current = Path.GetDirectoryName(path)!;
            var parent = BackupLayout.Read(current);
            backing = parent.Disks.FirstOrDefault(d => d.Index == disk.Index)?.Backing;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

using Vireo.Contracts;
using Vireo.Qemu;
using Vireo.Qemu.Model;
using static Vireo.Core.Engine.VirtualMachine;

namespace Vireo.Core.Backups;

/// <summary>
/// A full backup of a stopped VM: qemu-img copies each image (nothing writes to it: the VM's operation lock keeps
/// it from starting meanwhile), then a persistent bitmap is added to each qcow2 disk so that the first
/// incremental backup of the running VM starts from exactly this state.
/// </summary>
internal static class OfflineBackup
{
    public static async Task<IReadOnlyList<BackupDisk>> CopyAsync(QemuImg img, BackupJob job, IProgress<double>? progress, CancellationToken ct)
    {
        var sizes = new List<long>();
        foreach (var s in job.Sources)
            sizes.Add((await img.InfoAsync(s.Path, s.Format, ct)).VirtualSize);
        var total = Math.Max(1, sizes.Sum());
        long done = 0;
        var disks = new List<BackupDisk>();
        for (var i = 0; i < job.Sources.Count; i++)
        {
            var s = job.Sources[i];
            var file = Path.Combine(job.TempDir, s.File);
            var before = done;
            var size = sizes[i];
            await img.ConvertAsync(s.Path, s.Format, file, DiskFormat.Qcow2,
                new SyncProgress(f => progress?.Report((before + f * size) / total)), ct);
            done += size;
            var info = await img.InfoAsync(file, DiskFormat.Qcow2, ct);
            disks.Add(new BackupDisk
            {
                Index = s.Index,
                Node = s.Node.NodeName,
                Source = s.Path,
                Format = s.FormatName,
                VirtualSize = size,
                File = s.File,
                BytesCopied = size,
                FileBytes = info.ActualSize ?? new FileInfo(file).Length,
                Bitmap = s.CanTrackChanges ? job.Bitmap : null,
            });
        }
        // Last: once a bitmap exists, nothing may fail any more without removing it again (the caller does).
        foreach (var s in job.Sources.Where(s => s.CanTrackChanges))
            await img.AddBitmapAsync(s.Path, job.Bitmap, ct);
        return disks;
    }
}

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; would post and reorder).</summary>
internal sealed class SyncProgress(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}

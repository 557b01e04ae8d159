using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Core.Backups;
using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// Backs up a VM's writable disks into <c>DIR/VM/ID/</c> (see docs/backups.md): live from a running VM, by
    /// copying the images of a stopped one. Progress is reported as a fraction; cancelling <paramref name="ct"/>
    /// stops the copy and leaves nothing behind.
    /// </summary>
    public Task<BackupInfo> BackupAsync(string vm, BackupRequest request, IProgress<double>? progress, CancellationToken ct) =>
        Find(vm).BackupAsync(request, progress, ct);

    /// <summary>The complete backups under <paramref name="dir"/>, of one VM when <paramref name="vm"/> is given.</summary>
    public IReadOnlyList<BackupInfo> ListBackups(string dir, string? vm)
    {
        var root = BackupLayout.RequireAbsolute(dir, "dir", "backup list");
        if (!Directory.Exists(root))
            throw BackupLayout.Invalid("backup list", "dir", dir, "does not exist or is not a directory");
        if (vm is not null && Specs.VmNameRules.Validate(vm) is { } problem)
            throw BackupLayout.Invalid("backup list", "vm", vm, problem);
        return BackupLayout.List(root, vm);
    }

    /// <summary>
    /// Restores a backup: into a stopped VM (<see cref="RestoreRequest.Vm"/>) or one disk into a new image file
    /// (<see cref="RestoreRequest.To"/>). Every written image is compared with the backup chain before anything
    /// is replaced.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(RestoreRequest request, IProgress<double>? progress, CancellationToken ct)
    {
        var backup = BackupLayout.Read(BackupLayout.RequireAbsolute(request.Backup, "backup", "restore"));
        if ((request.Vm is null) == (request.To is null))
            throw BackupLayout.Invalid("restore", "vm", request.Vm, "and to: give either a VM to restore into or a new image file to write, not both or neither");
        if (request.Vm is not null)
            return await Find(request.Vm).RestoreAsync(backup, request.Force, progress, ct);

        var clock = Stopwatch.StartNew();
        var to = BackupLayout.RequireAbsolute(request.To, "to", "restore");
        if (File.Exists(to) || Directory.Exists(to))
            throw new AlreadyExistsException($"{to} already exists; a restore never overwrites a file") { Hint = "Choose a new file name" };
        if (!Directory.Exists(Path.GetDirectoryName(to)))
            throw BackupLayout.Invalid("restore", "to", request.To, "is in a directory that does not exist");
        var format = request.Format switch
        {
            null or "qcow2" => DiskFormat.Qcow2,
            "raw" => DiskFormat.Raw,
            _ => throw BackupLayout.Invalid("restore", "format", request.Format, "is not qcow2 or raw"),
        };
        BackupDisk disk;
        if (request.Disk is { } index)
            disk = backup.Disks.FirstOrDefault(d => d.Index == index)
                ?? throw BackupLayout.Invalid("restore", "disk", index.ToString(), $"is not in backup {backup.Id}; it holds disk(s) {string.Join(", ", backup.Disks.Select(d => d.Index))}");
        else if (backup.Disks.Count == 1)
            disk = backup.Disks[0];
        else
            throw BackupLayout.Invalid("restore", "disk", null, $"is required: backup {backup.Id} holds disks {string.Join(", ", backup.Disks.Select(d => d.Index))}");
        var restored = await BackupRestorer.RestoreAsync(QemuImg.Locate(), backup, [new RestoreItem(disk, to, format, Replace: false)], progress, ct);
        return new RestoreResult { Backup = backup.Path!, Disks = restored, DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
    }
}

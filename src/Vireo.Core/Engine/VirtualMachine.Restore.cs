using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Backups;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>The UEFI variable store's copy in a backup directory (next to the disks and the manifest).</summary>
    internal const string BackupUefiVarsFile = "uefi-vars.fd";

    /// <summary>
    /// Replaces this stopped VM's disks with their state in <paramref name="backup"/> (each disk by its index in
    /// the spec). Refused, with nothing changed, for a backup of another VM or disks that moved since, unless
    /// <paramref name="force"/>. The restored disks carry no change tracking: the next backup must be full.
    /// </summary>
    public Task<RestoreResult> RestoreAsync(BackupInfo backup, bool force, IProgress<double>? progress, CancellationToken ct) =>
        Serialised(VmAction.Restore, async () =>
        {
            var clock = Stopwatch.StartNew();
            var spec = Spec;
            if (!string.Equals(backup.VmUuid, Uuid, StringComparison.OrdinalIgnoreCase) && !force)
                throw BackupLayout.Invalid("restore", "vm", Name,
                    $"is not the VM backup {backup.Id} was taken from (\"{backup.Vm}\", {backup.VmUuid})",
                    hint: $"To replace {Name}'s disks with it anyway: vireo restore {backup.Path} --vm {Name} --force");
            var (sources, _) = BackupSources.From(spec, _ctx.Planner.Plan(spec, Paths).Config.BlockNodes);
            var items = new List<RestoreItem>();
            foreach (var disk in backup.Disks)
            {
                var dest = sources.FirstOrDefault(s => s.Index == disk.Index)
                    ?? throw BackupLayout.Invalid("restore", "vm", Name, $"has no writable disk {disk.Index} to restore {disk.Source} into",
                        hint: $"Write that disk to a new file instead: vireo restore {backup.Path} --to FILE --disk {disk.Index}");
                if (dest.Path != disk.Source && !force)
                    throw BackupLayout.Invalid("restore", "vm", Name,
                        $"disk {disk.Index} is now {dest.Path}, but the backup holds {disk.Source}",
                        hint: $"To restore into it anyway: vireo restore {backup.Path} --vm {Name} --force");
                items.Add(new RestoreItem(disk, dest.Path, dest.Format, Replace: true));
            }
            var restored = await BackupRestorer.RestoreAsync(Img.Value, backup, items, progress, ct);
            if (backup.Path is { } backupDir && File.Exists(Path.Combine(backupDir, BackupUefiVarsFile)))
            {
                Directory.CreateDirectory(Paths.Dir);
                UefiVars.CopyAtomic(Path.Combine(backupDir, BackupUefiVarsFile), Paths.UefiVars);
                Log.LogInformation("VM {Name}: UEFI variables restored from backup {Id}", Name, backup.Id);
            }
            Log.LogInformation("VM {Name}: restored {Count} disk(s) from backup {Id}", Name, restored.Count, backup.Id);
            return new RestoreResult { Backup = backup.Path!, Vm = Name, Disks = restored, DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }, ct);
}

using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Create;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo backup</c>, <c>vireo backups</c> and <c>vireo restore</c>.</summary>
internal static class BackupCommands
{
    public static Command Backup(CliApp app)
    {
        var name = VmArgument.Create();
        var to = Opt.Path("--to", "Backup directory; the backup goes to DIR/NAME/ID/ (created if missing)", "DIR", required: true);
        var incremental = Opt.Flag("--incremental", "Copy only what changed since the VM's latest backup in DIR", "-i");
        var bandwidth = Opt.SizeMiB("--bandwidth", "Limit a running VM's backup to this much per second: MiB (50) or with a unit (50M, 1G); spares the host's disks", "MIB/S");
        var noWait = NoWaitOption();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("backup", "Back up a VM's disks, full or incremental, while it runs",
            """
            Copies every writable disk of the VM (read-only disks and CD-ROMs are skipped) into DIR/NAME/ID/: one
            qcow2 file per disk (disk0.qcow2, disk1.qcow2, ... by position in the spec) and a manifest.json. ID is the
            UTC start time, e.g. 20261124T201655123Z.
            Running (or paused) VM: QEMU copies all disks as they were at one instant while the guest goes on
            working (blockdev-backup with copy-before-write, started for every disk in one transaction). A stopped
            VM's images are copied with qemu-img.
            Full backups hold every block. Each full or incremental backup leaves a persistent dirty bitmap on each
            qcow2 disk, so --incremental then copies only the blocks written since: its files are qcow2 overlays
            whose backing file is the previous backup's file (../ID/diskN.qcow2), and restoring reads the chain
            back to the full backup. Keep a chain's directories together.
            --incremental is refused (take a full backup first) when DIR has no backup of the VM, when the VM's
            latest backup went to another directory, when its disks changed or were restored or reverted since,
            when QEMU was killed (its bitmaps are then inconsistent), when the VM is stopped, and for raw disks,
            which cannot hold a bitmap (raw disks get full backups only).
            The backup runs in vireod as an operation (kind vm-backup). Progress shows on stderr; Ctrl-C cancels the
            backup, leaving no backup directory, the VM running and the previous backup's change tracking intact. A
            failed backup leaves nothing either. With --no-wait the command prints the operation and returns once the
            backup has begun; `vireo operation wait ID` follows it, `vireo operation cancel ID` stops it.
            With -o json: the new backup's BackupInfo (its manifest).
            """,
            "vireo backup web1 --to /srv/backups",
            "vireo backup web1 --to /srv/backups --incremental",
            "vireo backup web1 --to /srv/backups -i --bandwidth 50",
            "vireo backup web1 --to /srv/backups --no-wait",
            "vireo backup web1 --to /srv/backups -o json | jq -r .path");
        command.Add(name);
        command.Add(to);
        command.Add(incremental);
        command.Add(bandwidth);
        command.Add(noWait);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = parse.GetValue(name)!;
            var request = new BackupRequest
            {
                Target = Paths.Absolute(parse.GetValue(to)!, app.Env.CurrentDirectory),
                Incremental = parse.GetValue(incremental),
                BandwidthMibPerSecond = parse.GetValue(bandwidth),
            };
            var kind = request.Incremental ? "Incremental" : "Full";
            var operation = await client.StartBackupAsync(vm, request, ct).ConfigureAwait(false);
            if (parse.GetValue(noWait))
                return OperationCommand.Started(app, operation, parse.GetValue(output) == OutputFormat.Json);
            var done = await OperationCommand.FollowAsync(app, client, operation, $"{kind} backup of {vm}", "nothing partial was left", ct).ConfigureAwait(false);
            var info = VireoClient.BackupResult(done) ?? throw new InvalidOperationException($"operation {done.Id} succeeded without a backup");
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.BackupInfo);
                return ExitCodes.Ok;
            }
            app.Env.Out.WriteLine($"Backup {info.Id} of {info.Vm}: {Type(info.Type)}{(info.Parent is null ? "" : $" on {info.Parent}")}, " +
                $"{info.Disks.Count} disk(s), {Bytes(info.Disks.Sum(d => d.BytesCopied))} copied, {Bytes(info.AllocatedBytes)} on disk, " +
                $"{info.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ({(info.Live ? "live" : "VM stopped")})");
            app.Env.Out.WriteLine($"  {info.Path}");
            foreach (var skipped in info.Skipped)
                app.Env.Out.WriteLine($"  skipped (read-only): {skipped}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command List(CliApp app)
    {
        var dir = Arg.Path("DIR", "A backup directory (what `vireo backup --to` was given)");
        var vm = Opt.Name("--vm", "Only this VM's backups");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("backups", "List the backups in a backup directory",
            """
            Every complete backup under DIR (DIR/VM/ID/ with a manifest.json), oldest first per VM: its id, type,
            chain (the full backup it builds on) and parent, when it was taken, how long it took, how much guest data
            it copied and how much space its files take. Unfinished backups (.tmp-* directories left by a crash of
            vireod) are not listed.
            With -o json: an array of BackupInfo, each the backup's manifest plus its path.
            """,
            "vireo backups /srv/backups",
            "vireo backups /srv/backups --vm web1",
            "vireo backups /srv/backups -o json | jq -r '.[] | select(.type==\"full\") | .path'");
        command.Add(dir);
        command.Add(vm);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var backups = await client.ListBackupsAsync(Paths.Absolute(parse.GetValue(dir)!, app.Env.CurrentDirectory), parse.GetValue(vm), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, backups.ToList(), VireoJsonContext.Default.ListBackupInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("VM").Column("ID").Column("TYPE").Column("PARENT").Column("CREATED")
                .Column("DISKS", right: true).Column("COPIED", right: true).Column("SIZE", right: true).Column("TIME", right: true);
            foreach (var b in backups)
                table.Row(b.Vm, b.Id, Type(b.Type) + (b.Live ? "" : " (offline)"), b.Parent ?? "-", Display.Time(b.CreatedAt),
                    b.Disks.Count.ToString(CultureInfo.InvariantCulture), Bytes(b.Disks.Sum(d => d.BytesCopied)), Bytes(b.AllocatedBytes),
                    b.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Restore(CliApp app)
    {
        var backup = Arg.Path("BACKUP", "The backup's directory, DIR/VM/ID (see vireo backups DIR)");
        var vm = Opt.Name("--vm", "Replace this stopped VM's disks with the backup's state");
        var force = Opt.Flag("--force", "With --vm: restore even into another VM, or into disks whose paths changed since the backup");
        var to = Opt.Path("--to", "Instead: write one disk's state to this new image file", "FILE");
        var disk = Opt.Integer("--disk", "With --to: which disk (its index in the spec, as in diskN.qcow2); needed when the backup has several", 0, 255);
        var format = Opt.Choice("--format", "With --to: qcow2 (default) or raw", "qcow2", "raw");
        var noWait = NoWaitOption();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("restore", "Restore a backup into a stopped VM or into a new image file",
            """
            Reads the backup's chain (an incremental backup through its parents back to the full one) into a new
            image per disk, next to its destination, compares it with the chain (qemu-img compare: the guest-visible
            content must be identical), and only when every disk is written and verified renames them into place.
            A failure or Ctrl-C leaves every destination untouched. It runs in vireod as an operation (kind
            backup-restore); with --no-wait the command returns once it has begun (`vireo operation wait ID`).
            --vm NAME replaces the disks of a stopped VM, matched by their position in the spec, keeping each disk's
            format. Refused while the VM runs, and (unless --force) when the backup is of another VM or a disk's path
            changed since. Restored disks carry no change tracking: the VM's next backup must be a full one.
            --to FILE writes one disk to a new image (qcow2 unless --format raw); the file must not exist.
            With -o json: the RestoreResult.
            """,
            "vireo restore /srv/backups/web1/20261124T201655123Z --vm web1",
            "vireo restore /srv/backups/web1/20261124T201655123Z --to /tmp/web1-disk0.qcow2",
            "vireo restore /srv/backups/web1/20261124T201655123Z --to /tmp/data.raw --disk 1 --format raw");
        command.Add(backup);
        foreach (var option in new Option[] { vm, force, to, disk, format, noWait, output })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var cwd = app.Env.CurrentDirectory;
            var target = parse.GetValue(to);
            if ((parse.GetValue(vm) is null) == (target is null))
                throw new CliUsageException("give either --vm NAME (replace a stopped VM's disks) or --to FILE (write a new image)");
            var request = new RestoreRequest
            {
                Backup = Paths.Absolute(parse.GetValue(backup)!, cwd),
                Vm = parse.GetValue(vm),
                Force = parse.GetValue(force),
                To = target is null ? null : Paths.Absolute(target, cwd),
                Disk = parse.GetValue(disk),
                Format = parse.GetValue(format),
            };
            var operation = await client.StartRestoreAsync(request, ct).ConfigureAwait(false);
            if (parse.GetValue(noWait))
                return OperationCommand.Started(app, operation, parse.GetValue(output) == OutputFormat.Json);
            var done = await OperationCommand.FollowAsync(app, client, operation, $"Restore of {Path.GetFileName(request.Backup)}", "nothing partial was left", ct).ConfigureAwait(false);
            var result = VireoClient.RestoreResultOf(done) ?? throw new InvalidOperationException($"operation {done.Id} succeeded without a result");
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.RestoreResult);
                return ExitCodes.Ok;
            }
            app.Env.Out.WriteLine($"Restored {result.Backup}{(result.Vm is null ? "" : $" into VM {result.Vm}")} in {result.DurationSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            foreach (var d in result.Disks)
                app.Env.Out.WriteLine($"  disk {d.Index} -> {d.Path} ({d.Format}): {(d.Verified ? "verified identical to the backup" : "NOT verified")}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Option<bool> NoWaitOption() =>
        Opt.Flag("--no-wait", "Print the started operation and return once it has begun (vireo operation wait ID follows it)");

    private static string Type(BackupType type) => type == BackupType.Full ? "full" : "incremental";

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}

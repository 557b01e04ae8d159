using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vireo.Client;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Backups of real tiny guests under TCG through vireod and the CLI, checked with real qemu-img.</summary>
public sealed class BackupTests(ITestOutputHelper output)
{
    private int _marks;

    [Fact]
    public async Task Backup_of_a_writing_guest_is_point_in_time_incremental_is_small_and_restores_bit_identical()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "work")).FullName;
        var dir = Path.Combine(h.StateDir, "backups");
        var disk = Path.Combine(work, "data.qcow2");
        var data = await GuestWriter.CreateDataDiskAsync(disk, 256, 64);
        var second = Path.Combine(work, "second.qcow2");
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", second, "64M");
        await h.StartTinyAsync("w", "--disk", $"path={disk},format=qcow2", "--disk", $"path={second},format=qcow2");

        // Half the writer's slots on the second disk: both disks must show the same instant.
        await Guest(h, "w", GuestWriter.Script("/dev/vdb", 0));
        await Task.Delay(4000);
        var clock = Stopwatch.StartNew();
        // 16 MiB/s stretches the copy over seconds: the writer wraps its slots many times meanwhile.
        var full = await BackupJsonAsync(h, "w", "--to", dir, "--bandwidth", "16");
        var fullSeconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(BackupType.Full, full.Type);
        Assert.True(full.Live);
        Assert.Equal([disk, second], full.Disks.Select(d => d.Source));
        var fullDisk = full.Disks[0];

        var raw = Path.Combine(work, "full.raw");
        var raw2 = Path.Combine(work, "full2.raw");
        await GuestWriter.ToRawAsync(Path.Combine(full.Path!, fullDisk.File), "qcow2", raw);
        await GuestWriter.ToRawAsync(Path.Combine(full.Path!, full.Disks[1].File), "qcow2", raw2);
        var lastWrite = GuestWriter.CheckPointInTime(raw, raw2, 0);
        var writesDuring = await WriterProgressAsync(h);
        output.WriteLine($"full: copy holds write {lastWrite}; the writer had reached {writesDuring} after the backup");
        Assert.True(writesDuring - lastWrite >= GuestWriter.Slots, $"the writer must have wrapped during the backup for the check to mean something ({lastWrite} -> {writesDuring})");
        await using (var f = File.OpenRead(raw))
        {
            var copy = new byte[data.Length];
            f.Position = 16L << 20;
            f.ReadExactly(copy);
            Assert.True(copy.AsSpan().SequenceEqual(data), "the random data region differs in the full backup");
        }
        File.Delete(raw);
        File.Delete(raw2);

        // Quiesce: stop the writer, then change 1 MiB and remember its checksum as the guest sees it.
        await Guest(h, "w", "kill $(cat /tmp/writer.pid); sleep 1; sync");
        var log = await Guest(h, "w", "dd if=/dev/urandom of=/dev/vda bs=65536 count=16 seek=2048 conv=fsync 2>/dev/null; echo MD5=$(dd if=/dev/vda bs=65536 skip=2048 count=16 2>/dev/null | md5sum)");
        var md5 = Regex.Matches(log, @"MD5=([0-9a-f]{32})")[^1].Groups[1].Value;

        clock.Restart();
        var inc = await BackupJsonAsync(h, "w", "--to", dir, "--incremental");
        var incSeconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(BackupType.Incremental, inc.Type);
        Assert.Equal(full.Id, inc.Parent);
        Assert.Equal(full.Id, inc.Chain);
        output.WriteLine($"full: {full.AllocatedBytes} bytes on disk, {full.Disks.Sum(d => d.BytesCopied)} copied, {fullSeconds:0.0} s (16 MiB/s limit); " +
                         $"incremental: {inc.AllocatedBytes} bytes on disk, {inc.Disks.Sum(d => d.BytesCopied)} copied, {incSeconds:0.0} s");
        Assert.True(inc.AllocatedBytes * 10 < full.AllocatedBytes, $"incremental {inc.AllocatedBytes} is not < 1/10 of full {full.AllocatedBytes}");
        var listed = await h.VireoOk("backups", dir);
        Assert.Contains(full.Id, listed.Stdout);
        Assert.Contains("incremental", listed.Stdout);

        // Exact: with the guest stopped, each disk's chain restored to a file equals the source disk.
        await h.VireoOk("shutdown", "w");
        foreach (var (index, source) in new[] { (0, disk), (1, second) })
        {
            var restoredFile = Path.Combine(work, $"restored{index}.qcow2");
            var restore = await h.VireoOk("restore", inc.Path!, "--to", restoredFile, "--disk", index.ToString());
            Assert.Contains("verified identical", restore.Stdout);
            var compare = await ProcessRunner.RunAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "qcow2", source, restoredFile]);
            Assert.True(compare.ExitCode == 0, $"disk {index}: source and restored chain differ: {compare}");
        }

        // Into the VM: damage the region, restore the incremental, the guest reads the checksum of the backup time.
        await h.VireoOk("start", "w");
        await h.WaitForSerialAsync("w", "VIREO-GUEST-READY", times: 2);
        await Guest(h, "w", "dd if=/dev/zero of=/dev/vda bs=65536 count=16 seek=2048 conv=fsync 2>/dev/null");
        Assert.Equal(4, (await h.Vireo("restore", inc.Path!, "--vm", "w")).ExitCode);
        await h.VireoOk("shutdown", "w");
        var intoVm = await h.VireoOk("restore", inc.Path!, "--vm", "w");
        Assert.Contains("verified identical", intoVm.Stdout);
        await h.VireoOk("start", "w");
        await h.WaitForSerialAsync("w", "VIREO-GUEST-READY", times: 3);
        log = await Guest(h, "w", "echo MD5=$(dd if=/dev/vda bs=65536 skip=2048 count=16 2>/dev/null | md5sum)");
        Assert.Equal(md5, Regex.Matches(log, @"MD5=([0-9a-f]{32})")[^1].Groups[1].Value);

        // The restored disk has no change tracking: an incremental would be wrong and is refused.
        var refused = await h.Vireo("backup", "w", "--to", dir, "--incremental");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("hint: Take a full backup first: vireo backup", refused.Stderr);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(dir, "w")).Length);
    }

    [Fact]
    public async Task Cancelled_backups_leave_nothing_and_tracking_survives_cancel_kill_and_stopped_vm_backups()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "work")).FullName;
        var dir = Path.Combine(h.StateDir, "backups");
        var disk = Path.Combine(work, "data.qcow2");
        await GuestWriter.CreateDataDiskAsync(disk, 128, 32);
        await h.StartTinyAsync("c", "--disk", $"path={disk},format=qcow2");
        using var client = h.Client();

        await CancelBackupAsync(client, "c", dir, incremental: false);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir, "c")));
        Assert.Contains("running", (await h.VireoOk("list")).Stdout);
        var refused = await h.Vireo("backup", "c", "--to", dir, "--incremental");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("hint: Take a full backup first: vireo backup", refused.Stderr);

        var full = await BackupJsonAsync(h, "c", "--to", dir);
        output.WriteLine($"unthrottled live full: {full.DurationSeconds:0.0} s, {full.AllocatedBytes} bytes on disk");
        await Guest(h, "c", "dd if=/dev/urandom of=/dev/vda bs=65536 count=64 seek=200 conv=fsync 2>/dev/null");
        await CancelBackupAsync(client, "c", dir, incremental: true);
        Assert.Equal([full.Id], Directory.GetFileSystemEntries(Path.Combine(dir, "c")).Select(Path.GetFileName));
        var inc = await BackupJsonAsync(h, "c", "--to", dir, "--incremental");
        Assert.Equal(full.Id, inc.Parent);
        Assert.True(inc.Disks[0].BytesCopied >= 4 << 20, $"the incremental after a cancelled one must still hold the 4 MiB written before it ({inc.Disks[0].BytesCopied})");

        // vireod killed in the middle of a backup: the restarted vireod clears QEMU's leftover job and nodes, the chain goes on.
        var killed = client.BackupAsync("c", new BackupRequest { Target = dir, BandwidthMibPerSecond = 1 }, null, CancellationToken.None);
        await VireoHarness.WaitUntilAsync(() => Directory.EnumerateDirectories(Path.Combine(dir, "c"), ".tmp-*").Any());
        await Task.Delay(1500);
        await h.KillDaemonAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => killed);
        await h.StartDaemonAsync();
        var afterRestart = await BackupJsonAsync(h, "c", "--to", dir, "--incremental");
        Assert.Equal(inc.Id, afterRestart.Parent);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(dir, "c"), ".tmp-*"));
        Assert.Contains("cancelling backup jobs left by an earlier vireod", h.DaemonLog);

        // A stopped VM: a full backup from the image, and the running VM's next incremental builds on it.
        await h.VireoOk("shutdown", "c");
        var offline = await BackupJsonAsync(h, "c", "--to", dir);
        Assert.False(offline.Live);
        output.WriteLine($"stopped-VM full: {offline.DurationSeconds:0.0} s, {offline.AllocatedBytes} bytes on disk");
        var stoppedInc = await h.Vireo("backup", "c", "--to", dir, "--incremental");
        Assert.Equal(4, stoppedInc.ExitCode);
        Assert.Contains("stopped", stoppedInc.Stderr);
        var boots = 1;
        await h.VireoOk("start", "c");
        await h.WaitForSerialAsync("c", "VIREO-GUEST-READY", times: ++boots);
        await Guest(h, "c", "dd if=/dev/urandom of=/dev/vda bs=65536 count=16 seek=900 conv=fsync 2>/dev/null");
        Assert.Equal(offline.Id, (await BackupJsonAsync(h, "c", "--to", dir, "--incremental")).Parent);

        // kill -9 of a QEMU that loaded a stored bitmap leaves it marked in use: inconsistent when opened again.
        await h.VireoOk("shutdown", "c");
        await BackupJsonAsync(h, "c", "--to", dir);
        await h.VireoOk("start", "c");
        await h.WaitForSerialAsync("c", "VIREO-GUEST-READY", times: ++boots);
        VireoHarness.Signal(Assert.Single(h.QemuPids()), Vireo.Qemu.UnixSignal.Kill);
        await WaitStoppedAsync(h);
        await h.VireoOk("start", "c");
        await h.WaitForSerialAsync("c", "VIREO-GUEST-READY", times: ++boots);
        refused = await h.Vireo("backup", "c", "--to", dir, "--incremental");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("inconsistent", refused.Stderr);
        var afterKill = await BackupJsonAsync(h, "c", "--to", dir);
        await Guest(h, "c", "dd if=/dev/urandom of=/dev/vda bs=65536 count=16 seek=300 conv=fsync 2>/dev/null");
        var last = await BackupJsonAsync(h, "c", "--to", dir, "--incremental");
        Assert.Equal(afterKill.Id, last.Parent);

        await h.VireoOk("shutdown", "c");
        var restored = Path.Combine(work, "r.raw");
        Assert.Contains("verified identical", (await h.VireoOk("restore", last.Path!, "--to", restored, "--format", "raw")).Stdout);
        var compare = await ProcessRunner.RunAsync("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", disk, restored]);
        Assert.True(compare.ExitCode == 0, compare.ToString());
    }

    [Fact]
    public async Task After_a_snapshot_revert_an_incremental_is_refused_until_a_new_full_backup()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "work")).FullName;
        var dir = Path.Combine(h.StateDir, "backups");
        var disk = Path.Combine(work, "data.qcow2");
        await GuestWriter.CreateDataDiskAsync(disk, 64, 8);
        await h.StartTinyAsync("r", "--network", "none", "--disk", $"path={disk},format=qcow2");

        var full = await BackupJsonAsync(h, "r", "--to", dir);
        await h.VireoOk("snapshot", "create", "r", "s1");
        await Guest(h, "r", "dd if=/dev/urandom of=/dev/vda bs=65536 count=16 seek=300 conv=fsync 2>/dev/null");
        Assert.Equal(full.Id, (await BackupJsonAsync(h, "r", "--to", dir, "--incremental")).Parent);

        // The revert puts older blocks back behind the bitmap's back: an incremental on it would miss them.
        await h.VireoOk("snapshot", "revert", "r", "s1");
        var refused = await h.Vireo("backup", "r", "--to", dir, "--incremental");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("hint: Take a full backup first: vireo backup", refused.Stderr);
        var again = await BackupJsonAsync(h, "r", "--to", dir);
        Assert.Null(again.Parent);
        Assert.Equal(again.Id, (await BackupJsonAsync(h, "r", "--to", dir, "--incremental")).Parent);
    }

    [Fact]
    public async Task Bad_backup_and_restore_input_is_refused_naming_the_field_and_changes_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "work")).FullName;
        var dir = Path.Combine(h.StateDir, "backups");
        var qcow2 = Path.Combine(work, "a.qcow2");
        var raw = Path.Combine(work, "b.raw");
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", qcow2, "64M");
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "raw", raw, "32M");
        await h.StartTinyAsync("b", "--disk", $"path={qcow2},format=qcow2", "--disk", $"path={raw},format=raw");
        using var client = h.Client();

        Assert.Equal(3, (await h.Vireo("backup", "nosuchvm", "--to", dir)).ExitCode);
        var relative = await Assert.ThrowsAsync<VireoApiException>(() => client.BackupAsync("b", new BackupRequest { Target = "relative/dir" }));
        Assert.Equal("target", Assert.Single(relative.Error.Errors).Field);
        var aFile = Path.Combine(work, "file");
        await File.WriteAllTextAsync(aFile, "x");
        var notDir = await h.Vireo("backup", "b", "--to", aFile);
        Assert.Equal(2, notDir.ExitCode);
        Assert.Contains("target", notDir.Stderr);
        var unwritable = await h.Vireo("backup", "b", "--to", "/proc/vireo-backups");
        Assert.Equal(2, unwritable.ExitCode);
        Assert.Contains("not a writable directory", unwritable.Stderr);
        var noFull = await h.Vireo("backup", "b", "--to", dir, "--incremental");
        Assert.Equal(4, noFull.ExitCode);
        Assert.Contains("incremental", noFull.Stderr);
        Assert.Contains("raw", noFull.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "b")) && Directory.EnumerateFileSystemEntries(Path.Combine(dir, "b")).Any());

        // Both disks at one instant; the raw one gets no bitmap, so incrementals stay refused.
        var full = await BackupJsonAsync(h, "b", "--to", dir);
        Assert.Equal(2, full.Disks.Count);
        Assert.NotNull(full.Disks.Single(d => d.Format == "qcow2").Bitmap);
        Assert.Null(full.Disks.Single(d => d.Format == "raw").Bitmap);
        var rawInc = await h.Vireo("backup", "b", "--to", dir, "--incremental");
        Assert.Equal(4, rawInc.ExitCode);
        Assert.Contains("raw", rawInc.Stderr);

        Assert.Equal(4, (await h.Vireo("restore", full.Path!, "--vm", "b")).ExitCode);
        Assert.Equal(3, (await h.Vireo("restore", Path.Combine(dir, "b", "20000101T000000000Z"), "--to", Path.Combine(work, "x.qcow2"))).ExitCode);
        var exists = await h.Vireo("restore", full.Path!, "--to", qcow2, "--disk", "0");
        Assert.Equal(4, exists.ExitCode);
        Assert.Contains("already exists", exists.Stderr);
        var which = await h.Vireo("restore", full.Path!, "--to", Path.Combine(work, "y.qcow2"));
        Assert.Equal(2, which.ExitCode);
        Assert.Contains("disk", which.Stderr);
        Assert.Equal(2, (await h.Vireo("restore", full.Path!)).ExitCode);
        Assert.Single(Directory.GetDirectories(Path.Combine(dir, "b")));
        Assert.Equal(["a.qcow2", "b.raw", "file"], Directory.GetFiles(work).Select(Path.GetFileName).Order());
        // Backups and restores run as operations, but one refused before it began leaves no operation behind.
        var operations = await client.ListOperationsAsync();
        Assert.All(operations, o => Assert.Equal(OperationStatus.Succeeded, o.Status));
        Assert.Equal(["vm-backup"], operations.Select(o => o.Kind));
    }

    [Fact]
    public async Task A_backup_started_with_no_wait_is_an_operation_that_can_be_followed_and_restored()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "work")).FullName;
        var dir = Path.Combine(h.StateDir, "backups");
        var disk = Path.Combine(work, "data.qcow2");
        await GuestWriter.CreateDataDiskAsync(disk, 64, 16);
        await h.StartTinyAsync("n", "--network", "none", "--disk", $"path={disk},format=qcow2");

        var started = await h.VireoOk("backup", "n", "--to", dir, "--bandwidth", "8", "--no-wait", "-o", "json");
        var operation = JsonSerializer.Deserialize(started.Stdout, VireoJsonContext.Default.OperationInfo)!;
        Assert.Equal(("vm-backup", "n"), (operation.Kind, operation.Target));
        Assert.Contains(operation.Id, (await h.VireoOk("operation", "list")).Stdout);
        var waited = await h.VireoOk("operation", "wait", operation.Id, "-o", "json");
        var done = JsonSerializer.Deserialize(waited.Stdout, VireoJsonContext.Default.OperationInfo)!;
        Assert.Equal(OperationStatus.Succeeded, done.Status);
        var backup = VireoClient.BackupResult(done)!;
        Assert.Equal(backup.Id, Assert.Single(JsonSerializer.Deserialize((await h.VireoOk("backups", dir, "-o", "json")).Stdout, VireoJsonContext.Default.ListBackupInfo)!).Id);

        // The restore (into a new file) is an operation too, and the file it writes is the backed-up disk.
        var copy = Path.Combine(work, "copy.qcow2");
        var restored = await h.VireoOk("restore", backup.Path!, "--to", copy);
        Assert.Contains("verified identical to the backup", restored.Stdout);
        using var client = h.Client();
        Assert.Contains(await client.ListOperationsAsync(), o => o.Kind == "backup-restore" && o.Status == OperationStatus.Succeeded);
    }

    /// <summary>Starts a slow backup through the API, cancels it once it copies, and waits until vireod has cleaned up.</summary>
    private async Task CancelBackupAsync(VireoClient client, string vm, string dir, bool incremental)
    {
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var progress = new Progress<double>(f => { if (f > 0) started.TrySetResult(); });
        var backup = client.BackupAsync(vm, new BackupRequest { Target = dir, Incremental = incremental, BandwidthMibPerSecond = 1 }, progress, cts.Token);
        await Task.WhenAny(started.Task, backup, Task.Delay(30000));
        Assert.False(backup.IsCompleted, "the backup ended before it could be cancelled");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup);
        // The daemon sees the closed request, cancels the jobs and removes the directory.
        await VireoHarness.WaitUntilAsync(() => !Directory.EnumerateDirectories(Path.Combine(dir, vm), ".tmp-*").Any(), 30);
        await Task.Delay(500);
    }

    private async Task<BackupInfo> BackupJsonAsync(VireoHarness h, string vm, params string[] args)
    {
        var result = await h.VireoOk(["backup", vm, .. args, "-o", "json"]);
        return JsonSerializer.Deserialize(result.Stdout, VireoJsonContext.Default.BackupInfo)!;
    }

    /// <summary>Runs a command in the guest and waits until it has finished; returns the serial log.</summary>
    private async Task<string> Guest(VireoHarness h, string vm, string command)
    {
        var mark = ++_marks;
        // The marker is computed by the guest, so the echoed command line does not count as done.
        await h.VireoWithInput($"{command}; echo DONE{mark}-$((40+2))\n", "console", vm, "--idle", "0.5");
        return await h.WaitForSerialAsync(vm, $"DONE{mark}-42", timeout: TimeSpan.FromSeconds(120));
    }

    private async Task<long> WriterProgressAsync(VireoHarness h)
    {
        var log = await Guest(h, "w", "echo WRITER=$(cat /tmp/writer.last)");
        return long.Parse(Regex.Matches(log, @"WRITER=(\d+)")[^1].Groups[1].Value);
    }

    private static async Task WaitStoppedAsync(VireoHarness h)
    {
        await VireoHarness.WaitUntilAsync(() => h.QemuPids().Count == 0);
        for (var i = 0; i < 100 && (await h.VireoOk("list")).Stdout.Contains("running"); i++)
            await Task.Delay(100);
    }
}

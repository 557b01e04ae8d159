using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The reverter on the operations that used to clean up in catch blocks of their own: snapshot revert and delete,
/// linked clone and backup, failed at every step by the test hook (VIREO_TEST_FAIL_AT=operation/step), and a disk
/// hot-plug and a live backup cancelled for real (QEMU frozen with SIGSTOP; the client giving up mid-job).
/// </summary>
[Trait("Category", "Reliability")]
public sealed class UndoCoverageTests(ITestOutputHelper output)
{
    private const UnixSignal SigStop = (UnixSignal)19;
    private const UnixSignal SigCont = (UnixSignal)18;

    private static async Task FailAtAsync(VireoHarness h, string? steps)
    {
        await h.StopDaemonAsync();
        if (steps is null)
            h.DaemonEnvironment.Remove(Reverter.FailAtVariable);
        else
            h.DaemonEnvironment[Reverter.FailAtVariable] = steps;
        await h.StartDaemonAsync();
    }

    /// <summary>What a process has open (its /proc/PID/fd links).</summary>
    private static List<string> OpenFiles(int pid) =>
        Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Select(f =>
        {
            try
            {
                return new FileInfo(f).LinkTarget ?? "";
            }
            catch (IOException)
            {
                return "";
            }
        }).ToList();

    private static async Task<string> QemuIoAsync(string image, string command) =>
        (await ProcessRunner.RunAsync("qemu-io", ["-f", "qcow2", "-U", "-r", "-c", command, image])).Stdout;

    private static async Task WriteAsync(string image, int pattern) =>
        await ProcessRunner.RunOkAsync("qemu-io", "-f", "qcow2", "-c", $"write -P {pattern} 0 64k", image);

    /// <summary>The disk holds the 64 KiB pattern <paramref name="pattern"/> at offset 0 (qemu-io verifies it).</summary>
    private static async Task<bool> HoldsAsync(string image, int pattern) =>
        !(await QemuIoAsync(image, $"read -P {pattern} 0 64k")).Contains("Pattern verification failed", StringComparison.Ordinal);

    private static async Task<string?> CurrentSnapshotAsync(VireoHarness h, string vm)
    {
        using var client = h.Client();
        return (await client.ListSnapshotsAsync(vm)).FirstOrDefault(s => s.Current)?.Name;
    }

    private static async Task<string> DiskSnapshotsAsync(string image) =>
        (await ProcessRunner.RunOkAsync("qemu-img", "snapshot", "-l", "-U", image)).Stdout;

    private static async Task<string> BitmapsAsync(string image) =>
        (await ProcessRunner.RunOkAsync("qemu-img", "info", "-U", "--output=json", "-f", "qcow2", image)).Stdout;

    /// <summary>
    /// A stopped VM: snapshot revert (disk-only) and delete, a linked clone and an offline backup, each failed at each
    /// of its steps. Four vireod runs, each failing one step of every operation at once. After each failure: the
    /// disk's content and snapshots, the current snapshot, the pool's files and volume rows, the VM list, the backup
    /// directory and the disk's bitmaps are as before. A delete failed after its disks (the point of no return)
    /// keeps the row and finishes when asked again.
    /// </summary>
    [Fact]
    public async Task Snapshot_revert_and_delete_linked_clone_and_backup_failing_at_each_step_leave_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var pool = StorageKit.DefaultPool(h);
        var bk = Path.Combine(h.StateDir, "bk");
        Directory.CreateDirectory(bk);
        await h.VireoOk("vol", "create", "default/sv-root.qcow2", "--size", "16M");
        await h.VireoOk("vol", "create", "default/lv-root.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "sv", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/sv-root.qcow2");
        await h.VireoOk("create", "--name", "lv", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/lv-root.qcow2");
        var disk = Path.Combine(pool, "sv-root.qcow2");
        await WriteAsync(disk, 0xaa);
        await h.VireoOk("snapshot", "create", "sv", "s1");
        await WriteAsync(disk, 0xbb);
        await h.VireoOk("snapshot", "create", "sv", "s2");
        await WriteAsync(disk, 0xcc);
        Assert.Equal("s2", await CurrentSnapshotAsync(h, "sv"));
        // Only what the operation made is undone: a snapshot of that name made outside Vireo stays on the disk.
        await ProcessRunner.RunOkAsync("qemu-img", "snapshot", "-c", "x1", disk);
        var refused = await h.Vireo("snapshot", "create", "sv", "x1");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("that Vireo did not record", refused.Stderr);
        Assert.Contains("x1", await DiskSnapshotsAsync(disk));
        await ProcessRunner.RunOkAsync("qemu-img", "snapshot", "-d", "x1", disk);

        string[][] rounds =
        [
            ["clone-linked/check", "snapshot-revert/row", "snapshot-delete/uefi-vars", "backup/directory"],
            ["clone-linked/files", "snapshot-revert/uefi-vars", "backup/disks"],
            ["clone-linked/uefi-vars", "snapshot-revert/disks", "snapshot-delete/disks", "backup/uefi-vars"],
            ["clone-linked/commit", "backup/publish", "snapshot-delete/row"],
        ];
        var failures = 0;
        var clock = Stopwatch.StartNew();
        foreach (var round in rounds)
        {
            await FailAtAsync(h, string.Join(',', round));
            foreach (var step in round)
            {
                var before = await StorageKit.SnapshotAsync(h);
                string[] args = step.Split('/')[0] switch
                {
                    "clone-linked" => ["clone", "lv", "lc", "--linked"],
                    "snapshot-revert" => ["snapshot", "revert", "sv", "s1"],
                    "snapshot-delete" => ["snapshot", "delete", "sv", "s2"],
                    _ => ["backup", "sv", "--to", bk],
                };
                var failed = await h.Vireo(args);
                Assert.NotEqual(0, failed.ExitCode);
                Assert.Contains($"{step}: injected test fault", failed.Stdout + failed.Stderr);
                failures++;
                // Linked clone: no base, overlay or temporary file in the pool, no row, no clone.
                if (step.StartsWith("clone", StringComparison.Ordinal))
                    Assert.Equal(before, await StorageKit.SnapshotAsync(h));
                Assert.NotEqual(0, (await h.Vireo("info", "lc")).ExitCode);
                Assert.DoesNotContain(Directory.EnumerateFiles(pool), f => f.Contains(".base", StringComparison.Ordinal) || f.Contains("lc-", StringComparison.Ordinal));
                // Revert: the disk still holds what was written after s2, and s2 is still the current snapshot.
                Assert.True(await HoldsAsync(disk, 0xcc), $"{step}: the disk's content changed");
                Assert.Equal("s2", await CurrentSnapshotAsync(h, "sv"));
                // Delete (before its point of no return): s2 is recorded and on the disk.
                var onDisk = await DiskSnapshotsAsync(disk);
                Assert.Contains("s1", onDisk);
                if (step != "snapshot-delete/row")
                    Assert.Contains("s2", onDisk);
                using (var client = h.Client())
                    Assert.Equal(["s1", "s2"], (await client.ListSnapshotsAsync("sv")).Select(s => s.Name).Order().ToArray());
                // Backup: no directory (finished or temporary) and no bitmap on the disk.
                var vmDir = Path.Combine(bk, "sv");
                Assert.True(!Directory.Exists(vmDir) || !Directory.EnumerateFileSystemEntries(vmDir).Any(),
                    $"{step}: left {string.Join(", ", Directory.Exists(vmDir) ? Directory.EnumerateFileSystemEntries(vmDir) : [])}");
                Assert.DoesNotContain("vireo-backup-", await BitmapsAsync(disk));
            }
        }
        await FailAtAsync(h, null);
        // Nothing stands in the way of doing each again; the delete failed after its disks finishes.
        await h.VireoOk("snapshot", "delete", "sv", "s2");
        Assert.DoesNotContain("s2", await DiskSnapshotsAsync(disk));
        await h.VireoOk("snapshot", "revert", "sv", "s1");
        Assert.True(await HoldsAsync(disk, 0xaa));
        await h.VireoOk("clone", "lv", "lc", "--linked");
        await h.VireoOk("backup", "sv", "--to", bk);
        Assert.Contains("vireo-backup-", await BitmapsAsync(disk));
        ReliabilityReport.Record("undo", "snapshot revert and delete, linked clone and offline backup failing at each of their steps (test hook)",
            $"{failures} failures over {rounds.Length} vireod runs ({clock.Elapsed.TotalSeconds:0} s): disk content, snapshots and current snapshot unchanged; " +
            "no base, overlay, temporary file, row or clone; no backup directory or bitmap; a delete failed after its disks finished when asked again");
    }

    /// <summary>
    /// A running VM: a disk hot-plug cancelled while QEMU is frozen (SIGSTOP) with blockdev-add in hand, a live backup
    /// cancelled by its client mid-job, and a live backup failing after its target nodes and after its jobs (test
    /// hook). Each time QEMU holds no file of the disk or of the backup, no backup directory is left, and the same
    /// operation then succeeds (a node or job left under its name would make QEMU refuse it).
    /// </summary>
    [Fact]
    public async Task A_cancelled_disk_hot_plug_and_a_cancelled_or_failing_live_backup_leave_no_node_job_or_file()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var pool = StorageKit.DefaultPool(h);
        var bk = Path.Combine(h.StateDir, "bk");
        Directory.CreateDirectory(bk);
        // 24 MiB of random data: at 1 MiB/s the backup job runs for 20 s or more, time to cancel it mid-way.
        var data = Path.Combine(h.StateDir, "data.raw");
        await StorageKit.WriteRawAsync(data, 32 * StorageKit.MiB, 24 * StorageKit.MiB);
        await h.VireoOk("vol", "import", "default/bd.qcow2", "--from", data, "--source-format", "raw", "--format", "qcow2");
        await h.StartTinyAsync("bv", "--disk", "vol=default/bd.qcow2");
        var qemu = Assert.Single(h.QemuPids());
        var extra = Path.Combine(h.StateDir, "extra.qcow2");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", extra, "16M");
        using var client = h.Client();
        var disksBefore = (await client.GetVmAsync("bv")).Spec.Disks.Count;

        // 1. Disk hot-plug cancelled for real: QEMU frozen, blockdev-add sent and waiting; the client gives up.
        var clock = Stopwatch.StartNew();
        using (var cts = new CancellationTokenSource())
        {
            Assert.True(VireoHarness.Signal(qemu, SigStop));
            try
            {
                var attach = Task.Run(() => client.AttachDiskAsync("bv", new DiskSpec { Path = extra, Format = "qcow2" }, cts.Token));
                await Task.Delay(1500);
                Assert.False(attach.IsCompleted, $"the hot-plug should wait for the frozen QEMU: {attach.Exception?.InnerException?.Message ?? attach.Status.ToString()}");
                await cts.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attach);
                await Task.Delay(1000);
            }
            finally
            {
                VireoHarness.Signal(qemu, SigCont);
            }
        }
        // QEMU runs what it was sent (blockdev-add), then the undo queued behind it (blockdev-del). Wait for the
        // reverter's own report: the image is not open yet either in the moment before QEMU runs the blockdev-add.
        await VireoHarness.WaitUntilAsync(() => h.DaemonLog.Contains("disk-hotplug: rolled back", StringComparison.Ordinal), 20);
        await VireoHarness.WaitUntilAsync(() => !OpenFiles(qemu).Contains(extra), 20);
        Assert.DoesNotContain(extra, OpenFiles(qemu));
        Assert.Equal(disksBefore, (await client.GetVmAsync("bv")).Spec.Disks.Count);
        var hotplugIn = clock.Elapsed;
        // The node names are free again: the same disk plugs, and comes out again.
        await h.VireoOk("disk", "attach", "bv", extra, "--format", "qcow2");
        Assert.Contains(extra, OpenFiles(qemu));

        async Task AssertNoBackupLeftAsync(string what)
        {
            await VireoHarness.WaitUntilAsync(() => !OpenFiles(qemu).Any(f => f.StartsWith(bk, StringComparison.Ordinal)), 20);
            Assert.True(!OpenFiles(qemu).Any(f => f.StartsWith(bk, StringComparison.Ordinal)), $"{what}: QEMU still holds {string.Join(", ", OpenFiles(qemu).Where(f => f.StartsWith(bk, StringComparison.Ordinal)))}");
            var vmDir = Path.Combine(bk, "bv");
            Assert.True(!Directory.Exists(vmDir) || !Directory.EnumerateFileSystemEntries(vmDir).Any(), $"{what}: a backup directory was left");
            using var fresh = h.Client();
            Assert.Empty(await fresh.ListBackupsAsync(bk, "bv"));
        }

        // 2. A live backup cancelled by its client while the jobs copy (1 MiB/s).
        clock.Restart();
        using (var cts = new CancellationTokenSource())
        {
            var progressed = new TaskCompletionSource();
            var backup = Task.Run(() => client.BackupAsync("bv", new BackupRequest { Target = bk, BandwidthMibPerSecond = 1 },
                new Progress<double>(f => { if (f > 0) progressed.TrySetResult(); }), cts.Token));
            await Task.WhenAny(progressed.Task, backup, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.False(backup.IsCompleted, $"the backup should still run: {backup.Exception?.InnerException?.Message ?? backup.Status.ToString()}");
            Assert.Contains(OpenFiles(qemu), f => f.StartsWith(bk, StringComparison.Ordinal));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup);
        }
        await AssertNoBackupLeftAsync("cancelled backup");
        var cancelledIn = clock.Elapsed;

        // 3. Failing after the target nodes were added, and after the jobs copied everything.
        foreach (var step in new[] { "backup/jobs", "backup/manifest" })
        {
            await FailAtAsync(h, step);
            var failed = await h.Vireo("backup", "bv", "--to", bk);
            Assert.NotEqual(0, failed.ExitCode);
            Assert.Contains($"{step}: injected test fault", failed.Stdout + failed.Stderr);
            await AssertNoBackupLeftAsync(step);
        }
        await FailAtAsync(h, null);
        // The same node names and job ids are free: the backup and an incremental on it succeed.
        await h.VireoOk("backup", "bv", "--to", bk);
        await h.VireoOk("backup", "bv", "--to", bk, "--incremental");
        using (var fresh = h.Client())
            Assert.Equal(2, (await fresh.ListBackupsAsync(bk, "bv")).Count);
        Assert.Equal(qemu, Assert.Single(h.QemuPids()));
        ReliabilityReport.Record("undo", "disk hot-plug cancelled while QEMU was frozen (SIGSTOP) with blockdev-add in flight",
            $"blockdev-del queued behind it: QEMU holds no descriptor of the image, spec unchanged, the same disk plugs afterwards ({hotplugIn.TotalSeconds:0.0} s)");
        ReliabilityReport.Record("undo", "live backup cancelled by its client mid-job (1 MiB/s), and failing after its target nodes and after its jobs (test hook)",
            $"jobs cancelled and dismissed, target nodes deleted: QEMU holds no backup file, no directory left ({cancelledIn.TotalSeconds:0.0} s to cancel); a full and an incremental backup succeed afterwards");
    }
}

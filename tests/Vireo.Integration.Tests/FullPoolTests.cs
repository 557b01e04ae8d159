using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;
using static Vireo.Integration.Tests.Support.StorageKit;

namespace Vireo.Integration.Tests;

/// <summary>
/// Issue 18: the pool's file system fills up, for real (a small tmpfs pool that a filler file fills to the last
/// byte). Volume operations fail cleanly with nothing half-written; a guest writing to its disk pauses
/// (werror=stop) with the reason, and runs on after `vireo resume` once space is back.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class FullPoolTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_full_pool_fails_volume_operations_cleanly_and_pauses_a_writing_guest_until_resumed()
    {
        // vireod runs under `ip netns exec`, in a copy of the mount namespace made when it starts: mount first.
        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        var dir = Path.Combine("/tmp", $"vit-full-{h.Id}");
        Directory.CreateDirectory(dir);
        await ProcessRunner.RunOkAsync("mount", "-t", "tmpfs", "-o", "size=48M", "tmpfs", dir);
        try
        {
            await h.StartDaemonAsync();
            await h.VireoOk("pool", "create", "small", "--path", dir);
            var source = Path.Combine(h.StateDir, "data.raw");
            await WriteRawAsync(source, 8 * MiB, 8 * MiB);
            await h.VireoOk("vol", "import", "small/a.raw", "--from", source, "--source-format", "raw");
            await h.VireoOk("vol", "create", "small/b.qcow2", "--size", "64M");
            await h.VireoOk("vol", "create", "small/data.raw", "--size", "32M", "--format", "raw");
            TinyImage.EnsureBuilt();
            await h.VireoOk("create", "--name", "w", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=small/data.raw");
            await h.VireoOk("start", "w");
            await h.WaitForSerialAsync("w", "VIREO-GUEST-READY");

            // Someone else fills the file system to its last byte.
            var filler = Path.Combine(dir, "filler");
            await ProcessRunner.RunOkAsync("sh", "-c", $"dd if=/dev/zero of={filler} bs=64k 2>/dev/null; true");
            Assert.Equal(0, new DriveInfo(dir).AvailableFreeSpace);
            var before = await SnapshotAsync(h);
            var failures = new List<string>();
            foreach (var args in new[]
            {
                new[] { "vol", "clone", "small/a.raw", "small/a2.raw" },
                ["vol", "upload", "small/u.raw", source, "--format", "raw"],
                ["vol", "create", "small/full.raw", "--size", "8M", "--format", "raw", "--prealloc", "full"],
                ["vol", "import", "small/i.raw", "--from", source, "--source-format", "raw"],
            })
            {
                var r = await h.Vireo(args);
                Assert.True(r.ExitCode != 0, $"vireo {string.Join(' ', args)} succeeded on a full pool: {r}");
                // "the pool's file system is full", or (upload checks first) "pool "small" has 0B free".
                Assert.True(r.Stderr.Contains("file system is full", StringComparison.Ordinal) || r.Stderr.Contains("has 0B free", StringComparison.Ordinal), r.Stderr);
                Assert.Contains("nothing was", r.Stderr);
                Assert.Equal(before, await SnapshotAsync(h));
                failures.Add($"{args[1]}: exit {r.ExitCode}");
            }
            // A resize of a sparse volume may need no space at all; if it fails, it leaves the volume as it was.
            // qcow2 must grow its L1 table for +4G; a sparse raw resize would need no space at all.
            var resize = await h.Vireo("vol", "resize", "small/b.qcow2", "+4G");
            Assert.Equal(1, resize.ExitCode);
            Assert.Contains("file system is full", resize.Stderr);
            var resized = (await VolumesAsync(h)).Single(v => v.Name == "b.qcow2");
            Assert.Equal(resize.ExitCode == 0 ? 64 * MiB + 4L * 1024 * MiB : 64 * MiB, resized.VirtualSizeBytes);
            var check = await ProcessRunner.RunOkAsync("qemu-img", "check", "-f", "qcow2", Path.Combine(dir, "b.qcow2"));
            output.WriteLine($"resize on a full pool: exit {resize.ExitCode} {resize.Stderr.Trim()}; {check.Stdout.Trim()}");

            // The guest (tiny boots from its initrd: its only disk is vda) writes to its disk on the full pool: QEMU stops it (werror=stop) and vireod says why.
            var writing = Stopwatch.StartNew();
            var typed = await h.VireoWithInput("dd if=/dev/urandom of=/dev/vda bs=64k count=256 conv=fsync; echo DD-DONE-$?\n", "console", "w", "--idle", "2");
            output.WriteLine(typed.ToString());
            using var client = h.Client();
            VmInfo paused;
            try
            {
                paused = await FaultTests.WaitForAsync(client, "w", VmState.Paused, "no space left", 60);
            }
            catch (Xunit.Sdk.XunitException)
            {
                var serial = (await client.GetVmAsync("w")).SerialLog!;
                output.WriteLine(await File.ReadAllTextAsync(serial));
                throw;
            }
            var pausedAfter = writing.Elapsed.TotalSeconds;
            Assert.Contains("I/O error", paused.Reason);
            Assert.Contains("no space left on the device", (await h.VireoOk("info", "w")).Stdout);
            await Task.Delay(1000);
            Assert.Equal(VmState.Paused, (await client.GetVmAsync("w")).State);

            // Space comes back; `vireo resume` lets the guest finish its write.
            File.Delete(filler);
            await h.VireoOk("resume", "w");
            await h.WaitForSerialAsync("w", "DD-DONE-0", timeout: TimeSpan.FromSeconds(120));
            Assert.Equal(VmState.Running, (await client.GetVmAsync("w")).State);
            await h.VireoOk("destroy", "w");

            ReliabilityReport.Record("fault", "pool file system full (48 MiB tmpfs filled to the last byte)",
                $"vol clone/upload/create --prealloc full/import refused ({string.Join(", ", failures)}) with \"file system is full\", pool files and volume list unchanged; " +
                $"qcow2 resize +4G: exit {resize.ExitCode}, image consistent; a guest writing to its disk paused in {pausedAfter:0.0} s with \"{paused.Reason}\" and finished its write after space was freed and vireo resume");
        }
        finally
        {
            foreach (var pid in h.QemuPids())
                VireoHarness.Signal(pid, Vireo.Qemu.UnixSignal.Kill);
            for (var i = 0; i < 50 && h.QemuPids().Count > 0; i++)
                await Task.Delay(100);
            await ProcessRunner.RunOkAsync("umount", "-l", dir);
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Vireo.Qemu.Model;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Bad storage input: a clear message naming the problem, a non-zero exit, and nothing changed.</summary>
public sealed class StorageBadInputTests(ITestOutputHelper output)
{
    private const long MiB = StorageKit.MiB;

    public static TheoryData<string[], int, string> BadRequests => new()
    {
        { ["vol", "create", "/tmp/x.qcow2", "--size", "1G"], 2, "is a path; volumes live only in pools" },
        { ["vol", "create", "x.qcow2", "--size", "1G"], 2, "has no pool" },
        { ["vol", "create", "default/../x", "--size", "1G"], 2, "contains \"..\"" },
        { ["vol", "create", "default/..", "--size", "1G"], 2, "contains \"..\"" },
        { ["vol", "create", "nopool/x.qcow2", "--size", "1G"], 3, "pool \"nopool\" does not exist" },
        { ["vol", "info", "default/nothing"], 3, "volume \"default/nothing\" does not exist" },
        { ["vol", "delete", "/etc/passwd"], 2, "is a path" },
        // Sizes and formats are refused by the CLI itself, with the option's name (vireod checks them again).
        { ["vol", "create", "default/x.qcow2", "--size", "-1G"], 2, "--size \"-1G\" is negative" },
        { ["vol", "create", "default/x.qcow2", "--size", "abc"], 2, "--size \"abc\" is not a size" },
        { ["vol", "create", "default/x.qcow2", "--size", "0"], 2, "--size \"0\" has no unit" },
        { ["vol", "create", "default/x.qcow2", "--size", "1G", "--format", "vmdk"], 2, "--format \"vmdk\" is not one of qcow2 or raw" },
        { ["vol", "create", "default/x.raw", "--size", "1G", "--format", "raw", "--prealloc", "metadata"], 2, "only for qcow2" },
        { ["vol", "resize", "default/base.qcow2", "-1G"], 2, "is negative" },
        { ["vol", "resize", "default/base.qcow2", "8M"], 2, "allow-shrink" },
        { ["vol", "convert", "default/base.qcow2", "default/c", "--format", "vmdk"], 2, "--format \"vmdk\"" },
        { ["vol", "import", "default/i.raw", "--from", "/nonexistent.img", "--source-format", "raw"], 2, "from: \"/nonexistent.img\" does not exist" },
        { ["vol", "create", "default/base.qcow2", "--size", "1G"], 4, "already exists" },
        { ["pool", "create", "bad", "--path", "relative/dir"], 2, "is relative" },
        { ["pool", "create", "bad", "--path", "/etc"], 2, "system directory" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_are_refused_clearly_and_change_nothing(string[] args, int exitCode, string expected)
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("vol", "create", "default/base.qcow2", "--size", "16M");
        var before = await StorageKit.SnapshotAsync(h);
        var result = await h.Vireo(args);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains(expected, result.Stderr);
        Assert.Equal(before, await StorageKit.SnapshotAsync(h));
    }

    [Fact]
    public async Task Bad_pool_paths_that_overlap_another_pool_change_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var before = await StorageKit.SnapshotAsync(h);
        var inside = await h.Vireo("pool", "create", "inner", "--path", Path.Combine(StorageKit.DefaultPool(h), "inner"));
        Assert.Equal(2, inside.ExitCode);
        Assert.Contains("inside pool \"default\"", inside.Stderr);
        Assert.Equal(before, await StorageKit.SnapshotAsync(h));
    }

    [Fact]
    public async Task A_raw_image_with_a_forged_qcow2_header_imported_as_raw_stays_raw()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var img = QemuImg.Locate();
        var evil = Path.Combine(h.StateDir, "evil.qcow2");
        await img.CreateAsync(evil, DiskFormat.Qcow2, 64 * MiB, new BackingFile("/etc/passwd", DiskFormat.Raw), CancellationToken.None);
        var guest = Path.Combine(h.StateDir, "guest.raw");
        await StorageKit.WriteRawAsync(guest, 4 * MiB, 0);
        await using (var f = new FileStream(guest, FileMode.Open, FileAccess.Write))
            await f.WriteAsync((await File.ReadAllBytesAsync(evil)).AsMemory(0, 64 * 1024));

        await h.VireoOk("vol", "import", "default/guest.raw", "--from", guest, "--source-format", "raw");
        var info = JsonSerializer.Deserialize((await h.VireoOk("vol", "info", "default/guest.raw", "-o", "json")).Stdout, VireoJsonContext.Default.VolumeInfo)!;
        Assert.Equal("raw", info.Format);
        Assert.Equal(new FileInfo(guest).Length, info.VirtualSizeBytes);
        Assert.Empty(info.BackingChain);
        Assert.Equal(await File.ReadAllBytesAsync(guest), await File.ReadAllBytesAsync(info.Path));
        // Converting it keeps it raw data too: the qcow2 made from it has no backing file.
        await h.VireoOk("vol", "convert", "default/guest.raw", "default/guest.qcow2", "--format", "qcow2");
        var converted = await img.InfoAsync(Path.Combine(StorageKit.DefaultPool(h), "guest.qcow2"), DiskFormat.Qcow2, CancellationToken.None);
        Assert.Null(converted.BackingFilename);
        Assert.Equal(4 * MiB, converted.VirtualSize);
    }

    [Fact]
    public async Task A_full_disk_during_create_fails_clearly_and_leaves_no_file()
    {
        // vireod runs under `ip netns exec`, in a copy of the mount namespace made when it starts: mount first.
        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        var dir = Path.Combine("/tmp", $"vit-small-{h.Id}");
        Directory.CreateDirectory(dir);
        await Mount("mount", "-t", "tmpfs", "-o", "size=16M", "tmpfs", dir);
        try
        {
            await h.StartDaemonAsync();
            await h.VireoOk("pool", "create", "small", "--path", dir);
            var before = await StorageKit.SnapshotAsync(h);
            var full = await h.Vireo("vol", "create", "small/big.raw", "--size", "64M", "--format", "raw", "--prealloc", "full");
            Assert.Equal(1, full.ExitCode);
            Assert.Contains("file system is full", full.Stderr);
            Assert.Contains("nothing was left behind", full.Stderr);
            Assert.Equal(before, await StorageKit.SnapshotAsync(h));
            Assert.Empty(Directory.GetFileSystemEntries(dir));

            var source = Path.Combine(h.StateDir, "data.raw");
            await StorageKit.WriteRawAsync(source, 32 * MiB, 32 * MiB);
            var import = await h.Vireo("vol", "import", "small/data.raw", "--from", source, "--source-format", "raw");
            Assert.Equal(1, import.ExitCode);
            Assert.Contains("file system is full", import.Stderr);
            Assert.Equal(before, await StorageKit.SnapshotAsync(h));
            await h.VireoOk("pool", "delete", "small");
        }
        finally
        {
            await Mount("umount", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task Mount(string program, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(program, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: {r}");
    }
}

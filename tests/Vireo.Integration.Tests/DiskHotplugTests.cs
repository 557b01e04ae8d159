using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Disks and CD-ROM media changed on running guests (QMP blockdev-add/device_add, change-medium).</summary>
public sealed class DiskHotplugTests(ITestOutputHelper output)
{
    private const string WaitForVda = "for i in $(seq 1 30); do [ -b /dev/vda ] && break; sleep 0.5; done; ";

    [Fact]
    public async Task A_disk_hot_plugged_into_a_running_guest_keeps_its_data_across_detach_and_reattach()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var image = Path.Combine(h.StateDir, "data.qcow2");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "64M");
        await h.StartTinyAsync("hot", "--network", "none");

        var attached = await h.VireoOk("disk", "attach", "hot", image, "--format", "qcow2");
        Assert.Contains("hot-plugged", attached.Stdout);
        var wrote = await h.VireoWithInput(WaitForVda +
            "mke2fs -q /dev/vda && mkdir -p /mnt && mount /dev/vda /mnt && echo HOTDATA-42 > /mnt/f && umount /mnt && sync && echo WROTE-$((40+2))\n",
            "console", "hot", "--idle", "10");
        Assert.Contains("WROTE-42", wrote.Stdout);

        var detached = await h.VireoOk("disk", "detach", "hot", image);
        Assert.Contains("unplugged", detached.Stdout);
        var gone = await h.VireoWithInput("[ -b /dev/vda ] && echo STILL-$((1+1)) || echo GONE-$((1+1))\n", "console", "hot");
        Assert.Contains("GONE-2", gone.Stdout);
        var spec = await h.VireoOk("disk", "list", "hot", "-o", "json");
        Assert.Equal(0, JsonDocument.Parse(spec.Stdout).RootElement.GetArrayLength());

        await h.VireoOk("disk", "attach", "hot", image, "--format", "qcow2");
        var read = await h.VireoWithInput(WaitForVda + "mount /dev/vda /mnt && cat /mnt/f && umount /mnt\n", "console", "hot", "--idle", "10");
        Assert.Contains("HOTDATA-42", read.Stdout);

        // The attached disk is in the spec: it is there again after a cold start.
        await h.VireoOk("destroy", "hot");
        await h.VireoOk("start", "hot");
        await h.WaitForSerialAsync("hot", "VIREO-GUEST-READY", times: 2);
        var again = await h.VireoWithInput(WaitForVda + "mount /dev/vda /mnt && cat /mnt/f && umount /mnt\n", "console", "hot", "--idle", "10");
        Assert.Contains("HOTDATA-42", again.Stdout);
        await h.VireoOk("destroy", "hot");
        var check = await ProcessRunner.RunOkAsync("qemu-img", "check", "-f", "qcow2", image);
        Assert.Contains("No errors", check.Stdout);
    }

    [Fact]
    public async Task A_running_guests_volume_grows_live_and_the_guest_sees_it_but_is_never_shrunk()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("vol", "create", "default/grow.qcow2", "--size", "32M", "--format", "qcow2");
        await h.StartTinyAsync("grow", "--network", "none", "--disk", "vol=default/grow.qcow2");
        // /sys/block/vda/size counts 512-byte sectors: 32 MiB is 65536.
        var before = await h.VireoWithInput(WaitForVda + "echo SECTORS-$(cat /sys/block/vda/size)\n", "console", "grow", "--idle", "6");
        Assert.Contains("SECTORS-65536", before.Stdout);

        await h.VireoOk("vol", "resize", "default/grow.qcow2", "+16M");
        var after = await h.VireoWithInput("for i in $(seq 1 20); do [ $(cat /sys/block/vda/size) = 98304 ] && break; sleep 0.25; done; echo SECTORS-$(cat /sys/block/vda/size)\n", "console", "grow", "--idle", "6");
        Assert.Contains("SECTORS-98304", after.Stdout);
        var info = await h.VireoOk("vol", "info", "default/grow.qcow2", "-o", "json");
        Assert.Equal(48L << 20, JsonDocument.Parse(info.Stdout).RootElement.GetProperty("virtual_size_bytes").GetInt64());

        var shrink = await h.Vireo("vol", "resize", "default/grow.qcow2", "16M", "--allow-shrink");
        Assert.NotEqual(0, shrink.ExitCode);
        Assert.Contains("never shrunk", shrink.Stderr);
        var unchanged = await h.VireoWithInput("echo SECTORS-$(cat /sys/block/vda/size)\n", "console", "grow");
        Assert.Contains("SECTORS-98304", unchanged.Stdout);

        // Stopped, the same command resizes offline again: down too, when asked.
        await h.VireoOk("destroy", "grow");
        await h.VireoOk("vol", "resize", "default/grow.qcow2", "16M", "--allow-shrink");
        info = await h.VireoOk("vol", "info", "default/grow.qcow2", "-o", "json");
        Assert.Equal(16L << 20, JsonDocument.Parse(info.Stdout).RootElement.GetProperty("virtual_size_bytes").GetInt64());
    }

    [Fact]
    public async Task An_iso_inserted_into_a_running_guests_cdrom_is_readable_and_eject_empties_the_drive()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var content = Path.Combine(h.StateDir, "iso-content");
        Directory.CreateDirectory(content);
        await File.WriteAllTextAsync(Path.Combine(content, "hello.txt"), "ISO-PAYLOAD-7\n");
        var iso = Path.Combine(h.StateDir, "media.iso");
        await ProcessRunner.RunOkAsync("genisoimage", "-quiet", "-V", "VIREOTEST", "-o", iso, content);
        await h.StartTinyAsync("cd", "--network", "none", "--disk", "device=cdrom");

        var inserted = await h.VireoOk("cdrom", "insert", "cd", iso);
        Assert.Contains("now holds", inserted.Stdout);
        var read = await h.VireoWithInput(
            "mkdir -p /cd; for i in $(seq 1 20); do mount -t iso9660 -o ro /dev/sr0 /cd 2>/dev/null && break; sleep 0.5; done; cat /cd/hello.txt; umount /cd\n",
            "console", "cd", "--idle", "10");
        Assert.Contains("ISO-PAYLOAD-7", read.Stdout);
        var listed = await h.VireoOk("disk", "list", "cd", "-o", "json");
        Assert.Equal(iso, JsonDocument.Parse(listed.Stdout).RootElement[0].GetProperty("path").GetString());

        await h.VireoOk("cdrom", "eject", "cd");
        var empty = await h.VireoWithInput("mount -t iso9660 -o ro /dev/sr0 /cd 2>/dev/null && echo MOUNTED-$((3+3)) || echo NOMEDIUM-$((3+3))\n", "console", "cd", "--idle", "6");
        Assert.Contains("NOMEDIUM-6", empty.Stdout);
        listed = await h.VireoOk("disk", "list", "cd", "-o", "json");
        Assert.False(JsonDocument.Parse(listed.Stdout).RootElement[0].TryGetProperty("path", out _));
    }

    [Fact]
    public async Task Bad_disk_input_is_refused_by_field_and_changes_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var image = Path.Combine(h.StateDir, "one.qcow2");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "16M");
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "a", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", $"path={image},format=qcow2");
        await h.VireoOk("create", "--name", "b", "--image", "tiny", "--memory", "128", "--network", "none");
        var before = (await h.VireoOk("disk", "list", "b", "-o", "json")).Stdout;

        var shared = await h.Vireo("disk", "attach", "b", image, "--format", "qcow2");
        Assert.Equal(2, shared.ExitCode);
        Assert.Contains("already a disk of VM \"a\"", shared.Stderr);

        var noFormat = await h.Vireo("disk", "attach", "b", image);
        Assert.Equal(2, noFormat.ExitCode);
        Assert.Contains("disk.format", noFormat.Stderr);

        var badVolume = await h.Vireo("disk", "attach", "b", "default/../../etc/passwd");
        Assert.Equal(2, badVolume.ExitCode);
        Assert.Contains("disk.volume", badVolume.Stderr);

        var badCache = await h.Vireo("disk", "attach", "b", "/nonexistent.raw", "--format", "raw", "--cache", "fast");
        Assert.Equal(2, badCache.ExitCode);

        var notThere = await h.Vireo("disk", "detach", "b", image);
        Assert.Equal(3, notThere.ExitCode);
        Assert.Contains($"disk \"b/{image}\" does not exist", notThere.Stderr);
        Assert.Contains("hint: List the disks of b (by volume or path): vireo disk list b", notThere.Stderr);

        var noDrive = await h.Vireo("cdrom", "eject", "b");
        Assert.Equal(4, noDrive.ExitCode);
        Assert.Contains("no CD-ROM drive", noDrive.Stderr);

        Assert.Equal(before, (await h.VireoOk("disk", "list", "b", "-o", "json")).Stdout);
    }
}

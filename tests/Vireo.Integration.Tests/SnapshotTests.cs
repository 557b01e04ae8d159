using System.Text.Json;
using System.Text.RegularExpressions;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Snapshots of a real tiny guest under TCG, through vireod and the CLI: what the guest sees after a revert is
/// checked from inside the guest, through its serial console.
/// </summary>
public sealed partial class SnapshotTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_disk_only_snapshot_brings_back_the_file_the_guest_wrote_before_it()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var disk = await NewQcow2Async(h, "data.qcow2");
        await h.StartTinyAsync("d", "--disk", $"path={disk},format=qcow2");

        var wrote = await Console(h, "d", "mke2fs -q /dev/vda && mkdir -p /mnt/d && mount /dev/vda /mnt/d && echo A > /mnt/d/marker && sync && echo WROTE-$((40+2))");
        Assert.Contains("WROTE-42", wrote);
        var created = await h.VireoOk("snapshot", "create", "d", "s1", "--disk-only", "-o", "json");
        Assert.Contains("\"kind\": \"disk\"", created.Stdout);
        Assert.Contains("\"vm_state\": \"running\"", created.Stdout);
        Assert.Contains("M=B", await Console(h, "d", "echo B > /mnt/d/marker && sync && echo M=$(cat /mnt/d/marker)"));

        await h.VireoOk("destroy", "d");
        var reverted = await h.VireoOk("snapshot", "revert", "d", "s1");
        Assert.Contains("stopped", reverted.Stdout);
        await h.VireoOk("start", "d");
        await h.WaitForSerialAsync("d", "VIREO-GUEST-READY", times: 2);
        Assert.Contains("M=A", await Console(h, "d", "mkdir -p /mnt/d && mount /dev/vda /mnt/d && echo M=$(cat /mnt/d/marker)"));
    }

    [Fact]
    public async Task A_memory_snapshot_brings_back_a_value_held_only_in_ram_without_a_reboot()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var disk = await NewQcow2Async(h, "m.qcow2");
        await h.StartTinyAsync("m", "--disk", $"path={disk},format=qcow2");

        // /tmp is in the initramfs: RAM only. The boot id changes with every boot.
        var boot = BootId(await Console(h, "m", "echo A > /tmp/ram-marker; echo BOOT=$(cat /proc/sys/kernel/random/boot_id)"));
        var created = await h.VireoOk("snapshot", "create", "m", "s1", "-o", "json");
        Assert.Contains("\"kind\": \"memory\"", created.Stdout);
        Assert.Contains("R=B", await Console(h, "m", "echo B > /tmp/ram-marker; echo R=$(cat /tmp/ram-marker)"));

        var reverted = await h.VireoOk("snapshot", "revert", "m", "s1");
        Assert.Contains("running", reverted.Stdout);
        var after = await Console(h, "m", "echo R=$(cat /tmp/ram-marker); echo BOOT=$(cat /proc/sys/kernel/random/boot_id)");
        Assert.Contains("R=A", after);
        Assert.Equal(boot, BootId(after));

        // From a stopped VM: QEMU is started paused, the RAM loaded, then it runs, still without a boot.
        Assert.Contains("R=B", await Console(h, "m", "echo B > /tmp/ram-marker; echo R=$(cat /tmp/ram-marker)"));
        await h.VireoOk("destroy", "m");
        await h.VireoOk("snapshot", "revert", "m", "s1");
        Assert.Contains("\"state\": \"running\"", (await h.VireoOk("info", "m", "-o", "json")).Stdout);
        after = await Console(h, "m", "echo R=$(cat /tmp/ram-marker); echo BOOT=$(cat /proc/sys/kernel/random/boot_id)");
        Assert.Contains("R=A", after);
        Assert.Equal(boot, BootId(after));
        Assert.Equal(1, VireoHarness.Count((await h.VireoOk("logs", "m")).Stdout, "VIREO-GUEST-READY"));

        // Paused on request; the tree marks s1 current.
        await h.VireoOk("snapshot", "revert", "m", "s1", "--paused");
        Assert.Contains("\"state\": \"paused\"", (await h.VireoOk("info", "m", "-o", "json")).Stdout);
        await h.VireoOk("resume", "m");
        Assert.Contains("R=A", await Console(h, "m", "echo R=$(cat /tmp/ram-marker)"));
        Assert.Contains("s1 *", (await h.VireoOk("snapshot", "list", "m", "--tree")).Stdout);
        await h.VireoOk("snapshot", "delete", "m", "s1");
        Assert.Contains("no snapshots", (await h.VireoOk("snapshot", "list", "m")).Stdout);
    }

    [Fact]
    public async Task A_memory_revert_waits_until_disks_attached_since_the_snapshot_are_detached_read_only_ones_too()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var disk = await NewQcow2Async(h, "h.qcow2");
        var extra = await NewQcow2Async(h, "extra.qcow2");
        var readOnly = await NewQcow2Async(h, "ro.qcow2");
        await h.StartTinyAsync("h", "--disk", $"path={disk},format=qcow2", "--network", "none");
        Assert.Contains("R=A", await Console(h, "h", "echo A > /tmp/ram-marker; echo R=$(cat /tmp/ram-marker)"));
        await h.VireoOk("snapshot", "create", "h", "s1");
        await h.VireoOk("disk", "attach", "h", extra, "--format", "qcow2");
        Assert.Contains("VDB-2", await Console(h, "h",
            "echo B > /tmp/ram-marker; for i in $(seq 1 30); do [ -b /dev/vdb ] && break; sleep 0.5; done; [ -b /dev/vdb ] && echo VDB-$((1+1))"));

        // Loaded, the guest's RAM would not know vdb while QEMU and the spec keep it: refused, nothing changes.
        var refused = await h.Vireo("snapshot", "revert", "h", "s1");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains($"the disk {extra}, attached after snapshot \"s1\" was taken", refused.Stderr);
        Assert.Contains($"vireo disk detach h {extra}", refused.Stderr);
        Assert.Contains("R=B", await Console(h, "h", "echo R=$(cat /tmp/ram-marker)"));
        Assert.Equal(2, JsonDocument.Parse((await h.VireoOk("disk", "list", "h", "-o", "json")).Stdout).RootElement.GetArrayLength());

        await h.VireoOk("disk", "detach", "h", extra);
        // A read-only disk is not part of the snapshot, but the RAM image has not seen it either.
        await h.VireoOk("disk", "attach", "h", readOnly, "--format", "qcow2", "--readonly");
        var refusedReadOnly = await h.Vireo("snapshot", "revert", "h", "s1");
        Assert.Equal(4, refusedReadOnly.ExitCode);
        Assert.Contains($"the disk {readOnly}, attached after snapshot \"s1\" was taken", refusedReadOnly.Stderr);
        Assert.Contains("R=B", await Console(h, "h", "echo R=$(cat /tmp/ram-marker)"));
        await h.VireoOk("disk", "detach", "h", readOnly);
        await h.VireoOk("snapshot", "revert", "h", "s1");
        var after = await Console(h, "h", "echo R=$(cat /tmp/ram-marker); echo DISKS=$(ls /sys/block | grep vd | tr '\\n' ,)");
        Assert.Contains("R=A", after);
        Assert.Contains("DISKS=vda,", after);
        Assert.DoesNotContain("vdb", after.Split("DISKS=")[^1]);
    }

    [Fact]
    public async Task Bad_requests_are_refused_and_change_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var raw = Path.Combine(h.StateDir, "raw.img");
        await ProcessRunner.RunAsync("qemu-img", ["create", "-q", "-f", "raw", raw, "16M"]);
        await h.VireoOk("create", "--name", "r", "--image", "tiny", "--memory", "128", "--disk", $"path={raw},format=raw");
        var refused = await h.Vireo("snapshot", "create", "r", "s1");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains(raw, refused.Stderr);
        Assert.Contains("qcow2", refused.Stderr);
        Assert.Contains("no snapshots", (await h.VireoOk("snapshot", "list", "r")).Stdout);

        var disk = await NewQcow2Async(h, "b.qcow2");
        await h.VireoOk("create", "--name", "b", "--image", "tiny", "--memory", "128", "--disk", $"path={disk},format=qcow2");
        var memoryWhileStopped = await h.Vireo("snapshot", "create", "b", "s0", "--memory");
        Assert.Equal(4, memoryWhileStopped.ExitCode);
        Assert.Contains("--disk-only", memoryWhileStopped.Stderr);
        await h.VireoOk("start", "b");
        await h.WaitForSerialAsync("b", "VIREO-GUEST-READY");
        await Console(h, "b", "echo A > /tmp/ram-marker; echo ok");

        await h.VireoOk("snapshot", "create", "b", "s1");
        var duplicate = await h.Vireo("snapshot", "create", "b", "s1", "--disk-only");
        Assert.Equal(4, duplicate.ExitCode);
        Assert.Contains("already has a snapshot named \"s1\"", duplicate.Stderr);
        Assert.Equal(3, (await h.Vireo("snapshot", "revert", "b", "nope")).ExitCode);
        Assert.Equal(3, (await h.Vireo("snapshot", "delete", "b", "nope")).ExitCode);
        Assert.Equal(2, (await h.Vireo("snapshot", "create", "b", "../x")).ExitCode);

        await h.VireoOk("snapshot", "create", "b", "d1", "--disk-only");
        var live = await h.Vireo("snapshot", "revert", "b", "d1");
        Assert.Equal(4, live.ExitCode);
        Assert.Contains("--force", live.Stderr);
        Assert.Contains("\"state\": \"running\"", (await h.VireoOk("info", "b", "-o", "json")).Stdout);
        Assert.Contains("R=A", await Console(h, "b", "echo R=$(cat /tmp/ram-marker)"));
        var list = await h.VireoOk("snapshot", "list", "b", "-o", "json");
        Assert.Equal(2, Regex.Count(list.Stdout, "\"name\":"));

        // --force powers it off and reverts; the VM stays stopped.
        var forced = await h.VireoOk("snapshot", "revert", "b", "d1", "--force");
        Assert.Contains("stopped", forced.Stdout);
        Assert.Empty(h.QemuPids());
    }

    private static async Task<string> NewQcow2Async(VireoHarness h, string name)
    {
        var path = Path.Combine(h.StateDir, name);
        var r = await ProcessRunner.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", path, "64M"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return path;
    }

    private static async Task<string> Console(VireoHarness h, string vm, string command)
    {
        var r = await h.VireoWithInput(command + "\n", "console", vm);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    private static string BootId(string consoleOutput) =>
        BootIdPattern().Match(consoleOutput) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no boot id in:\n{consoleOutput}");

    [GeneratedRegex(@"BOOT=([0-9a-f-]{36})")]
    private static partial Regex BootIdPattern();
}

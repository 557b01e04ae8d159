using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo rename</c> and <c>vireo undefine --remove-all-storage</c> through the built CLI and a real vireod.</summary>
public sealed class IdentityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_renamed_VM_keeps_its_forward_reservation_snapshot_and_volumes_and_boots_under_its_new_hostname()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/old-root.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "old", "--image", "tiny", "--memory", "128", "--network", "network=default", "--disk", "vol=default/old-root.qcow2");
        await h.VireoOk("create", "--name", "other", "--image", "tiny", "--memory", "128", "--network", "none");
        await h.VireoOk("net", "reserve", "default", "old", "192.168.122.50");
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "18080", "--to", "old:80");
        await h.VireoOk("snapshot", "create", "old", "s1");
        var uuid = Uuid(await h.VireoOk("info", "old", "-o", "json"));

        // Bad input: nothing changes.
        async Task<string> State() => string.Join("\n", (await h.VireoOk("list", "--all", "-o", "json")).Stdout, (await h.VireoOk("net", "forward", "list", "-o", "json")).Stdout,
            (await h.VireoOk("net", "info", "default", "-o", "json")).Stdout, (await h.VireoOk("dumpspec", "old")).Stdout);
        var before = await State();
        foreach (var (args, code, says) in new (string[], int, string)[]
        {
            (["rename", "old", "other"], 4, "a VM named \"other\" already exists"),
            (["rename", "old", "bad name"], 2, "contains a space"),
            (["rename", "old", "old"], 2, "is already the VM's name"),
            (["rename", "old", "-x"], 2, ""),
            (["rename", "nope", "x"], 3, "does not exist"),
        })
        {
            var refused = await h.Vireo(args);
            Assert.True(refused.ExitCode == code, $"vireo {string.Join(' ', args)}: {refused}");
            Assert.Contains(says, refused.Stderr);
        }
        Assert.Equal(before, await State());

        // "_" is allowed in a VM name, not in a hostname: the guest and DHCP get "new-vm".
        var renamed = await h.VireoOk("rename", "old", "new_vm");
        Assert.Contains("VM old renamed to new_vm", renamed.Stdout);
        Assert.Equal(3, (await h.Vireo("info", "old")).ExitCode);
        var info = await h.VireoOk("info", "new_vm", "-o", "json");
        Assert.Equal(uuid, Uuid(info));
        var spec = (await h.VireoOk("dumpspec", "new_vm")).Stdout;
        Assert.Contains("vireo.hostname=new-vm", spec);
        Assert.Contains("volume: default/old-root.qcow2", spec);
        var forward = JsonDocument.Parse((await h.VireoOk("net", "forward", "list", "-o", "json")).Stdout).RootElement[0];
        Assert.Equal(("new_vm", 18080, "192.168.122.50"), (forward.GetProperty("vm").GetString(), forward.GetProperty("host_port").GetInt32(), forward.GetProperty("guest_address").GetString()));
        var reservation = JsonDocument.Parse((await h.VireoOk("net", "info", "default", "-o", "json")).Stdout).RootElement.GetProperty("reservations")[0];
        Assert.Equal(("new_vm", "192.168.122.50"), (reservation.GetProperty("vm").GetString(), reservation.GetProperty("address").GetString()));
        var hosts = await File.ReadAllTextAsync(Path.Combine(h.StateDir, "networks", "default", "hosts"));
        Assert.EndsWith(",192.168.122.50,new-vm\n", hosts);
        Assert.DoesNotContain(",old", hosts);
        Assert.Contains("s1", (await h.VireoOk("snapshot", "list", "new_vm")).Stdout);

        // A VM an older Vireo defined wrote its name as it is on the kernel command line: the guest fixes it the same way.
        var boot = JsonDocument.Parse((await h.VireoOk("info", "new_vm", "-o", "json")).Stdout).RootElement.GetProperty("spec").GetProperty("boot");
        var cmdline = boot.GetProperty("cmdline").GetString()!.Replace("vireo.hostname=new-vm", "vireo.hostname=_legacy_vm_", StringComparison.Ordinal);
        await h.VireoOk("create", "--name", "legacy_vm", "--memory", "128", "--network", "none", "--graphics", "none",
            "--boot", $"kernel={boot.GetProperty("kernel").GetString()},initrd={boot.GetProperty("initrd").GetString()},kernel_args=\"{cmdline}\"");
        Assert.Contains("vireo.hostname=_legacy_vm_", (await h.VireoOk("dumpspec", "legacy_vm")).Stdout);

        // The guest takes its new name from the kernel command line, and DHCP gives it its reserved address.
        await h.VireoOk("start", "new_vm");
        await h.VireoOk("start", "legacy_vm");
        await h.WaitForSerialAsync("new_vm", "VIREO-GUEST-READY");
        await h.WaitForSerialAsync("legacy_vm", "VIREO-GUEST-READY");
        var guest = await h.VireoWithInput("echo H=$(hostname)\n", "console", "new_vm");
        Assert.Matches(@"H=new-vm\s", guest.Stdout);
        await h.WaitForSerialAsync("new_vm", "192.168.122.50");
        Assert.Matches(@"H=legacy-vm\s", (await h.VireoWithInput("echo H=$(hostname)\n", "console", "legacy_vm")).Stdout);
        await h.VireoOk("destroy", "legacy_vm");

        var running = await h.Vireo("rename", "new_vm", "newer");
        Assert.Equal(4, running.ExitCode);
        Assert.Contains("renamed only while it is stopped", running.Stderr);
        Assert.Equal(0, (await h.Vireo("info", "new_vm")).ExitCode);

        // A revert still finds the snapshot inside the same volume.
        await h.VireoOk("destroy", "new_vm");
        await h.VireoOk("snapshot", "revert", "new_vm", "s1");
    }

    [Fact]
    public async Task Remove_all_storage_deletes_only_the_VMs_own_volumes_and_says_why_the_others_stay()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var pool = Path.Combine(h.StateDir, "pools", "default");
        var outside = Path.Combine(h.StateDir, "outside.raw");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "raw", outside, "8M");
        await h.VireoOk("vol", "create", "default/a-root.qcow2", "--size", "16M");
        await h.VireoOk("vol", "create", "default/shared.raw", "--size", "8M", "--format", "raw");
        await h.VireoOk("create", "--name", "a", "--image", "tiny", "--memory", "128", "--network", "none",
            "--disk", "vol=default/a-root.qcow2", "--disk", "vol=default/shared.raw,readonly=on", "--disk", $"path={outside},format=raw,readonly=on");
        await h.VireoOk("create", "--name", "b", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/shared.raw,readonly=on");
        await h.VireoOk("clone", "a", "c", "--linked");

        // The clone goes with its overlay; the base stays, since a's volume is still layered on it.
        var c = await h.VireoOk("undefine", "c", "--remove-all-storage");
        Assert.Contains("removed  default/c-root.qcow2", c.Stdout);
        Assert.Contains("kept     default/a-root.base.qcow2: the base under default/c-root.qcow2; other volumes are still layered on it (default/a-root.qcow2)", c.Stdout);
        Assert.False(File.Exists(Path.Combine(pool, "c-root.qcow2")));

        // Refused while a runs, and for a VM that does not exist: nothing is removed.
        var volumes = (await h.VireoOk("vol", "list", "-o", "json")).Stdout;
        await h.VireoOk("start", "a");
        var running = await h.Vireo("undefine", "a", "--remove-all-storage");
        Assert.Equal(4, running.ExitCode);
        await h.VireoOk("destroy", "a");
        Assert.Equal(3, (await h.Vireo("undefine", "nope", "--remove-all-storage")).ExitCode);
        Assert.Equal(volumes, (await h.VireoOk("vol", "list", "-o", "json")).Stdout);

        var a = JsonDocument.Parse((await h.VireoOk("undefine", "a", "--remove-all-storage", "-o", "json")).Stdout).RootElement;
        var storage = a.GetProperty("storage").EnumerateArray().ToDictionary(
            e => e.TryGetProperty("volume", out var v) ? v.GetString()! : e.GetProperty("path").GetString()!,
            e => (Removed: e.GetProperty("removed").GetBoolean(), Reason: e.TryGetProperty("reason", out var why) ? why.GetString() : null));
        Assert.Equal(4, storage.Count);
        Assert.True(storage["default/a-root.qcow2"].Removed);
        Assert.False(storage["default/shared.raw"].Removed);
        Assert.Contains("read-only", storage["default/shared.raw"].Reason);
        Assert.Contains("not a volume", storage[outside].Reason);
        Assert.Contains("can be deleted now that nothing is layered on it", storage["default/a-root.base.qcow2"].Reason);
        Assert.False(File.Exists(Path.Combine(pool, "a-root.qcow2")));
        Assert.True(File.Exists(Path.Combine(pool, "shared.raw")));
        Assert.True(File.Exists(outside));
        Assert.Equal(3, (await h.Vireo("info", "a")).ExitCode);
        Assert.Equal(0, (await h.Vireo("info", "b")).ExitCode);

        // The last VM over the base is gone: the base stays in the pool, listed, and can be deleted.
        var list = (await h.VireoOk("vol", "list")).Stdout;
        Assert.Contains("read-only base of nothing", list);
        await h.VireoOk("vol", "delete", "default/a-root.base.qcow2");
        Assert.Equal(["shared.raw"], Directory.GetFiles(pool).Select(Path.GetFileName));
    }

    private static string Uuid(CommandResult info) =>
        JsonDocument.Parse(info.Stdout).RootElement.GetProperty("uuid").GetString()!;
}

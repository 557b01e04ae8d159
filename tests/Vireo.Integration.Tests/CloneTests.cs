using System.Security.Cryptography;
using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo clone</c>: linked clones on qcow2 backing files, full copies, and the bases they protect.</summary>
public sealed class CloneTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_linked_clone_leaves_its_source_starting_snapshotting_and_reverting_and_neither_sees_the_others_writes()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/gold-root.qcow2", "--size", "64M");
        // A fixed VNC port: the clone must not keep it, or the two could not run at once.
        await h.VireoOk("create", "--name", "gold", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/gold-root.qcow2",
            "--graphics", "vnc,port=5990");
        await h.VireoOk("start", "gold");
        await h.WaitForSerialAsync("gold", "VIREO-GUEST-READY");
        Assert.Contains("DONE-2", await Console(h, "gold", "printf 'BASE-1\\n' >/dev/vda; sync; echo DONE-$((1+1))"));
        await h.VireoOk("shutdown", "gold", "--timeout", "60");

        var cloned = JsonDocument.Parse((await h.VireoOk("clone", "gold", "web", "--linked", "-o", "json")).Stdout).RootElement;
        var made = Assert.Single(cloned.GetProperty("bases").EnumerateArray());
        Assert.Equal(("default/gold-root.base.qcow2", "default/gold-root.qcow2", false),
            (made.GetProperty("base").GetString(), made.GetProperty("source").GetString(), made.TryGetProperty("reused", out var r) && r.GetBoolean()));
        var disk = cloned.GetProperty("disks")[0];
        Assert.Equal(("overlay", "default/web-root.qcow2", "default/gold-root.base.qcow2"),
            (disk.GetProperty("how").GetString(), disk.GetProperty("volume").GetString(), disk.GetProperty("backing").GetString()));
        var web = cloned.GetProperty("vm");
        Assert.Contains("graphics.port 5990 was not kept", Assert.Single(cloned.GetProperty("notes").EnumerateArray()).GetString());
        Assert.False(web.GetProperty("spec").GetProperty("graphics").TryGetProperty("port", out var port) && port.ValueKind == JsonValueKind.Number);
        var gold = JsonDocument.Parse((await h.VireoOk("info", "gold", "-o", "json")).Stdout).RootElement;
        Assert.NotEqual(gold.GetProperty("spec").GetProperty("uuid").GetString(), web.GetProperty("spec").GetProperty("uuid").GetString());
        // The source keeps its volume name: now an overlay on the base that holds its data.
        Assert.Equal("default/gold-root.qcow2", gold.GetProperty("spec").GetProperty("disks")[0].GetProperty("volume").GetString());
        var baseInfo = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/gold-root.base.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.True(baseInfo.GetProperty("base").GetBoolean());
        Assert.Equal(["gold", "web"], baseInfo.GetProperty("layered_users").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("read-only base of gold,web", (await h.VireoOk("vol", "list")).Stdout);
        var basePath = Path.Combine(h.StateDir, "pools", "default", "gold-root.base.qcow2");
        var baseHash = Hash(basePath);

        // Both start, each reads the data from before the clone and writes its own.
        await h.VireoOk("start", "gold");
        await h.VireoOk("start", "web");
        await h.WaitForSerialAsync("gold", "VIREO-GUEST-READY", times: 2);
        await h.WaitForSerialAsync("web", "VIREO-GUEST-READY");
        var fromWeb = await Console(h, "web", "echo R=$(head -n1 /dev/vda) H=$(hostname)");
        Assert.Contains("R=BASE-1 H=web", fromWeb);
        Assert.Contains("R=WEB-2", await Console(h, "web", "printf 'WEB-2\\n' >/dev/vda; sync; echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda)"));
        Assert.Contains("R=BASE-1 H=gold", await Console(h, "gold", "echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda) H=$(hostname)"));
        Assert.Contains("R=GOLD-2", await Console(h, "gold", "printf 'GOLD-2\\n' >/dev/vda; sync; echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda)"));

        // The source snapshots and reverts as before the clone.
        await h.VireoOk("snapshot", "create", "gold", "s1");
        Assert.Contains("R=GOLD-3", await Console(h, "gold", "printf 'GOLD-3\\n' >/dev/vda; sync; echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda)"));
        await h.VireoOk("snapshot", "revert", "gold", "s1");
        Assert.Contains("R=GOLD-2", await Console(h, "gold", "echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda)"));
        Assert.Contains("R=WEB-2", await Console(h, "web", "echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -n1 /dev/vda)"));
        await h.VireoOk("destroy", "web");
        await h.VireoOk("destroy", "gold");
        Assert.Equal(baseHash, Hash(basePath));

        // The base is read-only and stays while anything is layered on it.
        var delete = await h.Vireo("vol", "delete", "default/gold-root.base.qcow2");
        Assert.Equal(4, delete.ExitCode);
        Assert.Contains("web-root.qcow2", delete.Stderr);
        var writer = await h.Vireo("create", "--name", "writer", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/gold-root.base.qcow2");
        Assert.Equal(2, writer.ExitCode);
        Assert.Contains("read-only base", writer.Stderr);
        Assert.Equal(4, (await h.Vireo("vol", "resize", "default/gold-root.base.qcow2", "+1M")).ExitCode);

        // gold has written since: a second linked clone stacks a new base holding gold's changes on the first,
        // once the snapshot inside gold's overlay is gone (it would be frozen in the new base).
        Assert.Equal(4, (await h.Vireo("clone", "gold", "web3", "--linked")).ExitCode);
        await h.VireoOk("snapshot", "delete", "gold", "s1");
        var second = await h.VireoOk("clone", "gold", "web3", "--linked");
        Assert.Contains("default/gold-root.qcow2 is now an empty overlay on the new read-only base default/gold-root.base2.qcow2", second.Stdout);
        Assert.Contains("graphics.port 5990 was not kept: two VMs cannot listen on one VNC port", second.Stdout);
        var stacked = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/web3-root.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.Equal(["default/gold-root.base2.qcow2", "default/gold-root.base.qcow2"],
            stacked.GetProperty("backing_chain").EnumerateArray().Select(b => b.GetProperty("volume").GetString()));
        await ProcessRunner.RunOkAsync("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2",
            Path.Combine(h.StateDir, "pools", "default", "web3-root.qcow2"), Path.Combine(h.StateDir, "pools", "default", "gold-root.qcow2"));

        // A full clone of the linked clone is independent: no backing file, same content.
        await h.VireoOk("clone", "web", "solo");
        var solo = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/solo-root.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.False(solo.TryGetProperty("backing", out var backing) && backing.ValueKind == JsonValueKind.String);
        await ProcessRunner.RunOkAsync("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2",
            Path.Combine(h.StateDir, "pools", "default", "web-root.qcow2"), Path.Combine(h.StateDir, "pools", "default", "solo-root.qcow2"));
        Assert.Contains("vireo.hostname=solo", (await h.VireoOk("dumpspec", "solo")).Stdout);
    }

    [Fact]
    public async Task A_linked_clone_of_a_volume_with_snapshots_is_refused_with_the_fix_and_nothing_changes()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/src-root.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "src", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/src-root.qcow2");
        await h.VireoOk("snapshot", "create", "src", "keep");
        var volumes = (await h.VireoOk("vol", "list", "-o", "json")).Stdout;
        var files = Directory.GetFiles(Path.Combine(h.StateDir, "pools", "default")).Order().ToArray();

        var refused = await h.Vireo("clone", "src", "copy", "--linked");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("holds 1 internal snapshot (keep)", refused.Stderr);
        Assert.Contains("hint: Delete them first (vireo snapshot delete src keep)", refused.Stderr);
        Assert.Equal(volumes, (await h.VireoOk("vol", "list", "-o", "json")).Stdout);
        Assert.Equal(files, Directory.GetFiles(Path.Combine(h.StateDir, "pools", "default")).Order().ToArray());
        Assert.Equal(3, (await h.Vireo("info", "copy")).ExitCode);
        Assert.Contains("keep", (await h.VireoOk("snapshot", "list", "src")).Stdout);

        // A full clone needs no base: it is allowed (the copy leaves the snapshots behind).
        await h.VireoOk("clone", "src", "copy");
    }

    [Fact]
    public async Task A_clone_is_refused_while_the_source_runs_or_the_name_is_taken_and_nothing_is_made()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var image = Path.Combine(h.StateDir, "outside.raw");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "raw", image, "8M");
        await h.VireoOk("create", "--name", "src", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", $"path={image},format=raw");
        await h.VireoOk("create", "--name", "taken", "--image", "tiny", "--memory", "128", "--network", "none");
        var volumesBefore = (await h.VireoOk("vol", "list", "-o", "json")).Stdout;

        var taken = await h.Vireo("clone", "src", "taken");
        Assert.Equal(4, taken.ExitCode);
        Assert.Contains("a VM named \"taken\" already exists", taken.Stderr);
        var linkedPath = await h.Vireo("clone", "src", "copy", "--linked");
        Assert.Equal(2, linkedPath.ExitCode);
        Assert.Contains("outside the storage pools", linkedPath.Stderr);
        await h.VireoOk("start", "src");
        var running = await h.Vireo("clone", "src", "copy");
        Assert.Equal(4, running.ExitCode);
        Assert.Contains("hint: Shut it down first: vireo shutdown src", running.Stderr);
        await h.VireoOk("destroy", "src");
        Assert.Equal(volumesBefore, (await h.VireoOk("vol", "list", "-o", "json")).Stdout);

        // A path disk is copied into the default pool by a full clone.
        await h.VireoOk("clone", "src", "copy");
        var copy = JsonDocument.Parse((await h.VireoOk("disk", "list", "copy", "-o", "json")).Stdout).RootElement;
        Assert.Equal("default/copy-disk0.raw", copy[0].GetProperty("volume").GetString());
    }

    [Fact]
    public async Task An_older_vireos_linked_clones_are_healed_at_start_or_when_their_source_is_started_or_cloned()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var pool = Path.Combine(h.StateDir, "pools", "default");
        // Three sources and their clones: gold/web (healed when vireod starts), old/old2 and tpl/tpl2 (their source's
        // volume holds a snapshot, so they wait until it is deleted and the source is started or cloned).
        var pairs = new[] { ("gold", "web"), ("old", "old2"), ("tpl", "tpl2") };
        foreach (var vm in pairs.SelectMany(p => new[] { p.Item1, p.Item2 }))
        {
            await h.VireoOk("vol", "create", $"default/{vm}-root.qcow2", "--size", "16M");
            await h.VireoOk("create", "--name", vm, "--image", "tiny", "--memory", "128", "--network", "none", "--disk", $"vol=default/{vm}-root.qcow2");
        }
        await ProcessRunner.RunOkAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x42 0 4k", Path.Combine(pool, "gold-root.qcow2"));
        await h.VireoOk("snapshot", "create", "old", "s1");
        await h.VireoOk("snapshot", "create", "tpl", "s1");

        // No overlay goes on a VM's writable disk: the VM could no longer start.
        var overlay = await h.Vireo("vol", "create", "default/extra.qcow2", "--backing", "default/gold-root.qcow2");
        Assert.Equal(4, overlay.ExitCode);
        Assert.Contains("is a writable disk of VM gold", overlay.Stderr);
        Assert.Contains("hint: Make a linked clone instead (vireo clone gold NEW --linked)", overlay.Stderr);
        Assert.False(File.Exists(Path.Combine(pool, "extra.qcow2")));

        // What an older Vireo made of `vireo clone SRC CLONE --linked`: the clone's overlay directly on SRC's volume.
        await h.StopDaemonAsync();
        using (var store = Vireo.Persistence.VireoStore.Open(Path.Combine(h.StateDir, "vireo.db")))
        {
            foreach (var (source, clone) in pairs)
            {
                var clonePath = Path.Combine(pool, $"{clone}-root.qcow2");
                File.Delete(clonePath);
                await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", Path.Combine(pool, $"{source}-root.qcow2"), "-F", "qcow2", clonePath);
                var row = store.ListVolumes().Single(v => v.Name == $"{clone}-root.qcow2");
                var id = Guid.NewGuid().ToString("N");
                store.InsertStorageJournal(new Vireo.Persistence.StorageJournalRecord(id, "by-hand", "{}", DateTimeOffset.UtcNow));
                store.CommitStorageChange(new Vireo.Persistence.StorageCommit
                {
                    JournalId = id,
                    UpdateVolumes = [row with { BackingPool = "default", BackingName = $"{source}-root.qcow2" }],
                });
            }
        }
        await h.StartDaemonAsync();

        // gold became a base at start; both VMs run, read the old data, and neither sees the other's writes.
        Assert.Contains("volume default/gold-root.qcow2 had linked clones of an older Vireo layered directly on it", h.DaemonLog);
        var baseInfo = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/gold-root.base.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.True(baseInfo.GetProperty("base").GetBoolean());
        Assert.Equal(["gold", "web"], baseInfo.GetProperty("layered_users").EnumerateArray().Select(e => e.GetString()));
        await h.VireoOk("vol", "create", "default/extra.qcow2", "--backing", "default/gold-root.base.qcow2");
        await h.VireoOk("start", "gold");
        await h.VireoOk("start", "web");
        await h.WaitForSerialAsync("gold", "VIREO-GUEST-READY");
        await h.WaitForSerialAsync("web", "VIREO-GUEST-READY");
        Assert.Contains("R=GOLD", await Console(h, "gold", "printf GOLD >/dev/vda; sync; echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -c 4 /dev/vda)"));
        Assert.Contains("R=BBBB", await Console(h, "web", "echo 3 >/proc/sys/vm/drop_caches; echo R=$(head -c 4 /dev/vda)"));
        await h.VireoOk("destroy", "gold");
        await h.VireoOk("destroy", "web");

        // old's volume holds a snapshot, which a base would freeze: its start is refused with the fix, nothing changes.
        Assert.Contains("VM old: Volume \"default/old-root.qcow2\" of VM \"old\" has linked clones made by an older Vireo", h.DaemonLog);
        var files = Directory.GetFiles(pool).Order().ToArray();
        var refused = await h.Vireo("start", "old");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("holds 1 internal snapshot (s1)", refused.Stderr);
        Assert.Contains("hint: Delete them (vireo snapshot delete old s1), then start or clone old again", refused.Stderr);
        Assert.Equal(files, Directory.GetFiles(pool).Order().ToArray());
        await h.VireoOk("snapshot", "delete", "old", "s1");
        var started = await h.VireoOk("start", "old");
        Assert.Contains("default/old-root.qcow2 (linked clones of an older Vireo sat on it) is now an empty overlay on the new read-only base default/old-root.base.qcow2", started.Stdout);
        await h.VireoOk("destroy", "old");

        // Likewise before a linked clone of tpl: the base made for it is new, not reused.
        Assert.Equal(4, (await h.Vireo("clone", "tpl", "tpl3", "--linked")).ExitCode);
        await h.VireoOk("snapshot", "delete", "tpl", "s1");
        var cloned = await h.VireoOk("clone", "tpl", "tpl3", "--linked");
        Assert.Contains("default/tpl-root.qcow2 is now an empty overlay on the new read-only base default/tpl-root.base.qcow2", cloned.Stdout);
        var tplBase = JsonDocument.Parse((await h.VireoOk("vol", "info", "default/tpl-root.base.qcow2", "-o", "json")).Stdout).RootElement;
        Assert.Equal(["tpl", "tpl2", "tpl3"], tplBase.GetProperty("layered_users").EnumerateArray().Select(e => e.GetString()));
    }

    /// <summary>Runs a shell command line on the guest's serial console, once its virtio disk is there.</summary>
    private static async Task<string> Console(VireoHarness h, string vm, string command)
    {
        var r = await h.VireoWithInput("for i in $(seq 1 30); do [ -b /dev/vda ] && break; sleep 0.5; done; " + command + "\n", "console", vm);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}

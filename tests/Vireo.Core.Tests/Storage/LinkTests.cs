using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Storage;
using Vireo.Core.Tests.Snapshots;
using Vireo.Persistence;

namespace Vireo.Core.Tests.Storage;

/// <summary>
/// The storage half of a linked clone, with a real store and real qemu-img: the source's volume becomes a read-only
/// base under two overlays, both reading its data; a crash at any step is undone by the next start.
/// </summary>
public sealed class LinkTests
{
    private static VmRecord CloneRecord(string name = "web2") => new()
    {
        Uuid = Guid.NewGuid().ToString(),
        Name = name,
        SpecJson = "{}",
        State = "stopped",
        DefinedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>A volume with a known pattern in its first MiB, and a copy of its bytes to compare against.</summary>
    private static async Task<(string Path, string Copy)> VolumeWithDataAsync(StorageFixture f, string name, string format = "qcow2")
    {
        var v = await f.CreateAsync("default", name, "16M", format);
        await SnapshotTestVm.RunAsync("qemu-io", "-f", format, "-c", "write -P 0x5a 0 1M", v.Path);
        var copy = Path.Combine(f.Root, name + ".orig");
        File.Copy(v.Path, copy);
        return (v.Path, copy);
    }

    private static Task SameDataAsync(string image, string format, string reference, string referenceFormat) =>
        SnapshotTestVm.RunAsync("qemu-img", "compare", "-f", format, "-F", referenceFormat, image, reference);

    [Theory]
    [InlineData("qcow2")]
    [InlineData("raw")]
    public async Task A_split_makes_a_read_only_base_under_the_source_and_the_clone_both_reading_the_old_data(string format)
    {
        await using var f = await StorageFixture.StartAsync();
        var name = "web-root." + format;
        var (path, copy) = await VolumeWithDataAsync(f, name, format);

        var plan = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/" + name, "default/web2-root.qcow2")], f.Ct);
        Assert.Equal(format == "raw" ? new[] { "default/" + name } : [], plan.FormatChanges);
        await f.Service.MakeLinkFilesAsync(plan, f.Ct);
        f.Service.CommitLink(plan, [], CloneRecord());

        var baseName = $"web-root.base.{format}";
        var bases = Assert.Single(plan.Bases);
        Assert.Equal(("default/" + baseName, "default/" + name, false), (bases.Base, bases.Source, bases.Reused));
        var volumes = f.Store.ListVolumes().ToDictionary(v => v.Name);
        Assert.True(volumes[baseName].Base);
        Assert.Equal(format, volumes[baseName].Format);
        Assert.Equal(("qcow2", "default", baseName, false), (volumes[name].Format, volumes[name].BackingPool, volumes[name].BackingName, volumes[name].Base));
        Assert.Equal(("qcow2", baseName), (volumes["web2-root.qcow2"].Format, volumes["web2-root.qcow2"].BackingName));
        // The base is the old file itself (no copy); both overlays read its data.
        Assert.Equal(await File.ReadAllBytesAsync(copy, f.Ct), await File.ReadAllBytesAsync(Path.Combine(f.DefaultDir, baseName), f.Ct));
        await SameDataAsync(path, "qcow2", copy, format);
        await SameDataAsync(Path.Combine(f.DefaultDir, "web2-root.qcow2"), "qcow2", copy, format);
        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Equal([baseName, name, "web2-root.qcow2"], StorageFixture.Listing(f.DefaultDir).Where(n => !n.EndsWith(".orig", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["web2"], f.Store.ListVms().Select(v => v.Name));

        var info = await f.Service.GetVolumeAsync("default/" + baseName, f.Ct);
        Assert.True(info.Base);
        Assert.Equal(["default/" + name, "default/web2-root.qcow2"], info.Dependants);
        // Read-only: no resize, no delete while anything is layered on it.
        await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.ResizeAsync("default/" + baseName, new VolumeResizeRequest { Size = "+1M" }, f.Ct));
        await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("default/" + baseName, f.Ct));
        Assert.NotNull(f.Service.WriteProblem(Path.Combine(f.DefaultDir, baseName)));
        Assert.Null(f.Service.WriteProblem(path));
    }

    [Fact]
    public async Task An_overlay_without_changes_of_its_own_shares_its_base_and_one_with_changes_stacks_a_new_base()
    {
        await using var f = await StorageFixture.StartAsync();
        var (_, copy) = await VolumeWithDataAsync(f, "web-root.qcow2");
        var first = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(first, f.Ct);
        f.Service.CommitLink(first, [], CloneRecord("web2"));

        // web's overlay is still empty: web3 reads through the same base, nothing of web changes.
        var before = SnapshotTestVm.Hash(Path.Combine(f.DefaultDir, "web-root.qcow2"));
        var reuse = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web3-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(reuse, f.Ct);
        f.Service.CommitLink(reuse, [], CloneRecord("web3"));
        Assert.Equal(new CloneBase { Base = "default/web-root.base.qcow2", Source = "default/web-root.qcow2", Reused = true }, Assert.Single(reuse.Bases));
        Assert.Equal(before, SnapshotTestVm.Hash(Path.Combine(f.DefaultDir, "web-root.qcow2")));
        Assert.Equal("web-root.base.qcow2", f.Store.ListVolumes().Single(v => v.Name == "web3-root.qcow2").BackingName);

        // Once web has written, its changes must reach web4: its overlay becomes a base stacked on the first.
        await SnapshotTestVm.RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x77 2M 64k", Path.Combine(f.DefaultDir, "web-root.qcow2"));
        var stack = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web4-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(stack, f.Ct);
        f.Service.CommitLink(stack, [], CloneRecord("web4"));
        var volumes = f.Store.ListVolumes().ToDictionary(v => v.Name);
        Assert.Equal(("web-root.base.qcow2", true), (volumes["web-root.base2.qcow2"].BackingName, volumes["web-root.base2.qcow2"].Base));
        Assert.Equal("web-root.base2.qcow2", volumes["web-root.qcow2"].BackingName);
        Assert.Equal("web-root.base2.qcow2", volumes["web4-root.qcow2"].BackingName);
        await SameDataAsync(Path.Combine(f.DefaultDir, "web4-root.qcow2"), "qcow2", Path.Combine(f.DefaultDir, "web-root.qcow2"), "qcow2");
        // web2 and web3 still read the old data, without web's write.
        await SameDataAsync(Path.Combine(f.DefaultDir, "web2-root.qcow2"), "qcow2", copy, "qcow2");
        var chain = (await f.Service.GetVolumeAsync("default/web4-root.qcow2", f.Ct)).BackingChain.Select(b => b.Volume);
        Assert.Equal(["default/web-root.base2.qcow2", "default/web-root.base.qcow2"], chain);
        foreach (var vm in new[] { "web", "web2", "web3", "web4" })
            f.DefineVm(vm, false, new DiskSpec { Volume = $"default/{vm}-root.qcow2" });
        Assert.Equal(["web", "web2", "web3", "web4"], (await f.Service.GetVolumeAsync("default/web-root.base.qcow2", f.Ct)).LayeredUsers);
        Assert.Equal(["web", "web4"], (await f.Service.GetVolumeAsync("default/web-root.base2.qcow2", f.Ct)).LayeredUsers);
    }

    [Fact]
    public async Task A_volume_with_internal_snapshots_or_with_volumes_on_it_is_refused_and_nothing_changes()
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, _) = await VolumeWithDataAsync(f, "web-root.qcow2");
        await SnapshotTestVm.RunAsync("qemu-img", "snapshot", "-c", "before", path);
        var listing = StorageFixture.Listing(f.DefaultDir);
        var snapshots = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct));
        Assert.Contains("1 internal snapshot (before)", snapshots.Message);
        Assert.Contains("vireo snapshot delete web before", snapshots.Hint);
        await SnapshotTestVm.RunAsync("qemu-img", "snapshot", "-d", "before", path);

        await f.CreateAsync("default", "extra.qcow2", null, backing: "default/web-root.qcow2");
        listing = StorageFixture.Listing(f.DefaultDir);
        var layered = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct));
        Assert.Contains("default/extra.qcow2", layered.Message);
        Assert.Equal(listing, StorageFixture.Listing(f.DefaultDir));
        Assert.Empty(f.Store.ListStorageJournal());
        Assert.DoesNotContain(f.Store.ListVolumes(), v => v.Base);
    }

    public static TheoryData<string> Steps => new()
    {
        "journal",
        "linked web-root.base.qcow2",
        "overlay made for web-root.qcow2",
        "overlay made for web2-root.qcow2",
        "named web2-root.qcow2",
        "swapped web-root.qcow2",
        "commit",
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_vireod_killed_at_any_step_finds_the_source_volume_with_its_data_when_it_starts_again(string step)
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, copy) = await VolumeWithDataAsync(f, "web-root.qcow2");
        var rows = f.Store.ListVolumes();
        var plan = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct);
        if (step != "journal")
        {
            f.Service.LinkStep = s =>
            {
                if (s == step)
                    throw new SimulatedKill();
            };
            if (step == "commit")
            {
                await f.Service.MakeLinkFilesAsync(plan, f.Ct);
            }
            else
            {
                await Assert.ThrowsAsync<SimulatedKill>(() => f.Service.MakeLinkFilesAsync(plan, f.Ct));
            }
        }

        // A new vireod on the same state: no rollback ran in the "killed" one.
        var restarted = new StorageService(f.Store, f.Paths, NullLogger.Instance, f.Operations);
        await restarted.InitializeAsync(f.Ct);

        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Equal(rows, f.Store.ListVolumes());
        Assert.Equal(["web-root.qcow2"], StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(SnapshotTestVm.Hash(copy), SnapshotTestVm.Hash(path));
    }

    [Fact]
    public async Task A_failure_before_the_commit_is_rolled_back_in_place()
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, copy) = await VolumeWithDataAsync(f, "web-root.qcow2");
        var rows = f.Store.ListVolumes();
        var plan = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(plan, f.Ct);
        await f.Service.RollbackLinkAsync(plan);

        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Equal(rows, f.Store.ListVolumes());
        Assert.Equal(["web-root.qcow2"], StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(SnapshotTestVm.Hash(copy), SnapshotTestVm.Hash(path));
        // The names are free again: the same clone can be made now.
        var again = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct);
        await f.Service.RollbackLinkAsync(again);
    }

    [Fact]
    public async Task A_commit_that_fails_writes_nothing_and_the_rollback_restores_the_files()
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, copy) = await VolumeWithDataAsync(f, "web-root.qcow2");
        f.Store.InsertVm(CloneRecord("web2"));
        var rows = f.Store.ListVolumes();
        var plan = await f.Service.PlanLinkAsync("web", [new LinkRequest("default/web-root.qcow2", "default/web2-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(plan, f.Ct);
        Assert.Throws<DuplicateVmException>(() => f.Service.CommitLink(plan, [], CloneRecord("web2")));
        Assert.Equal(rows, f.Store.ListVolumes());
        await f.Service.RollbackLinkAsync(plan);
        Assert.Equal(SnapshotTestVm.Hash(copy), SnapshotTestVm.Hash(path));
        Assert.Empty(f.Store.ListStorageJournal());
    }

    /// <summary>
    /// What an older Vireo made of <c>vireo clone web web2 --linked</c>: web2's overlay directly on web's volume, no
    /// base. Built by hand (rows and files), as an upgraded host has it.
    /// </summary>
    private static async Task<(string Source, string Copy, string Clone)> OldLayoutAsync(StorageFixture f, string format = "qcow2", bool cloneRuns = false)
    {
        var name = "web-root." + format;
        var (path, copy) = await VolumeWithDataAsync(f, name, format);
        var clone = Path.Combine(f.DefaultDir, "web2-root.qcow2");
        await SnapshotTestVm.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", path, "-F", format, clone);
        f.Store.InsertVolume(new VolumeRecord("default", "web2-root.qcow2", "qcow2", "default", name, "off", DateTimeOffset.UtcNow));
        f.DefineVm("web", false, new DiskSpec { Volume = "default/" + name });
        f.DefineVm("web2", cloneRuns, new DiskSpec { Volume = "default/web2-root.qcow2" });
        return (path, copy, clone);
    }

    private static async Task<string?> BackingFileAsync(string image)
    {
        var (code, output) = await SnapshotTestVm.ExecAsync("qemu-img", "info", "-U", "--output=json", "-f", "qcow2", image);
        Assert.Equal(0, code);
        return System.Text.Json.JsonDocument.Parse(output).RootElement.TryGetProperty("backing-filename", out var b) ? b.GetString() : null;
    }

    [Theory]
    [InlineData("qcow2")]
    [InlineData("raw")]
    public async Task An_older_vireos_clone_on_a_writable_volume_heals_into_a_base_under_both_and_the_source_writes_again(string format)
    {
        await using var f = await StorageFixture.StartAsync();
        var name = "web-root." + format;
        var (path, copy, clone) = await OldLayoutAsync(f, format);
        var web = new VmSpec { Name = "web", Disks = [new DiskSpec { Volume = "default/" + name }, new DiskSpec { Volume = "default/web2-root.qcow2", Readonly = true }] };
        Assert.Equal(["default/" + name], f.Service.LegacyLinkedVolumes(web));
        Assert.NotNull(f.Service.WriteProblem(path));

        var plan = await f.Service.PlanHealAsync("web", "default/" + name, f.Ct);
        Assert.Equal(format == "raw" ? new[] { "default/" + name } : [], plan.FormatChanges);
        await f.Service.MakeLinkFilesAsync(plan, f.Ct);
        f.Service.CommitLink(plan, [], null);

        var baseName = "web-root.base." + format;
        Assert.Equal(new CloneBase { Base = "default/" + baseName, Source = "default/" + name }, Assert.Single(plan.Bases));
        var volumes = f.Store.ListVolumes().ToDictionary(v => v.Name);
        Assert.Equal((format, true), (volumes[baseName].Format, volumes[baseName].Base));
        Assert.Equal(("qcow2", baseName, false), (volumes[name].Format, volumes[name].BackingName, volumes[name].Base));
        Assert.Equal(baseName, volumes["web2-root.qcow2"].BackingName);
        // The clone's header names the base (the old data), no longer the source's name, which web writes again.
        Assert.Equal(Path.Combine(f.DefaultDir, baseName), await BackingFileAsync(clone));
        Assert.Equal(Path.Combine(f.DefaultDir, baseName), await BackingFileAsync(path));
        Assert.Equal(await File.ReadAllBytesAsync(copy, f.Ct), await File.ReadAllBytesAsync(Path.Combine(f.DefaultDir, baseName), f.Ct));
        await SameDataAsync(path, "qcow2", copy, format);
        await SameDataAsync(clone, "qcow2", copy, format);
        Assert.Null(f.Service.WriteProblem(path));
        Assert.Empty(f.Service.LegacyLinkedVolumes(web));
        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Equal(["web", "web2"], (await f.Service.GetVolumeAsync("default/" + baseName, f.Ct)).LayeredUsers);

        await SnapshotTestVm.RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x77 0 64k", path);
        await SameDataAsync(clone, "qcow2", copy, format);
    }

    [Fact]
    public async Task An_older_layout_is_not_healed_while_the_volume_holds_snapshots_or_its_clone_runs_and_nothing_changes()
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, _, clone) = await OldLayoutAsync(f, cloneRuns: true);
        var rows = f.Store.ListVolumes();
        var listing = StorageFixture.Listing(f.DefaultDir);

        var running = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.PlanHealAsync("web", "default/web-root.qcow2", f.Ct));
        Assert.Contains("linked clones made by an older Vireo layered directly on it (default/web2-root.qcow2)", running.Message);
        Assert.Contains("VM web2 is running", running.Message);
        Assert.Equal("Shut it down (vireo shutdown web2), then start or clone web again.", running.Hint);

        await using var g = await StorageFixture.StartAsync();
        var (gPath, _, _) = await OldLayoutAsync(g);
        await SnapshotTestVm.RunAsync("qemu-img", "snapshot", "-c", "before", gPath);
        var gListing = StorageFixture.Listing(g.DefaultDir);
        var snapshots = await Assert.ThrowsAsync<InvalidStateException>(() => g.Service.PlanHealAsync("web", "default/web-root.qcow2", g.Ct));
        Assert.Contains("holds 1 internal snapshot (before)", snapshots.Message);
        Assert.Contains("vireo snapshot delete web before", snapshots.Hint);
        Assert.Contains("vireo clone web2 web2-copy, then vireo undefine web2 --remove-all-storage", snapshots.Hint);

        Assert.Equal(rows, f.Store.ListVolumes());
        Assert.Equal(listing, StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(gListing, StorageFixture.Listing(g.DefaultDir));
        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Empty(g.Store.ListStorageJournal());
        Assert.Equal(path, await BackingFileAsync(clone));
    }

    public static TheoryData<string> HealSteps => new()
    {
        "journal",
        "linked web-root.base.qcow2",
        "rebased web2-root.qcow2",
        "overlay made for web-root.qcow2",
        "swapped web-root.qcow2",
        "commit",
    };

    [Theory]
    [MemberData(nameof(HealSteps))]
    public async Task A_vireod_killed_at_any_step_of_a_heal_finds_the_old_layout_with_its_data_when_it_starts_again(string step)
    {
        await using var f = await StorageFixture.StartAsync();
        var (path, copy, clone) = await OldLayoutAsync(f);
        var rows = f.Store.ListVolumes();
        var cloneHash = SnapshotTestVm.Hash(clone);
        var plan = await f.Service.PlanHealAsync("web", "default/web-root.qcow2", f.Ct);
        if (step != "journal")
        {
            f.Service.LinkStep = s =>
            {
                if (s == step)
                    throw new SimulatedKill();
            };
            if (step == "commit")
                await f.Service.MakeLinkFilesAsync(plan, f.Ct);
            else
                await Assert.ThrowsAsync<SimulatedKill>(() => f.Service.MakeLinkFilesAsync(plan, f.Ct));
        }

        var restarted = new StorageService(f.Store, f.Paths, NullLogger.Instance, f.Operations);
        await restarted.InitializeAsync(f.Ct);

        Assert.Empty(f.Store.ListStorageJournal());
        Assert.Equal(rows, f.Store.ListVolumes());
        Assert.Equal(["web-root.qcow2", "web2-root.qcow2"], StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(SnapshotTestVm.Hash(copy), SnapshotTestVm.Hash(path));
        Assert.Equal(path, await BackingFileAsync(clone));
        Assert.Equal(cloneHash, SnapshotTestVm.Hash(clone));
    }

    [Theory]
    [InlineData("web-root.qcow2", 1, "web-root.base.qcow2")]
    [InlineData("web-root.qcow2", 3, "web-root.base3.qcow2")]
    [InlineData("disk", 1, "disk.base")]
    [InlineData("data.raw", 2, "data.base2.raw")]
    [InlineData("odd.extension-too-long", 1, "odd.extension-too-long.base")]
    public void Base_names_keep_the_extension(string name, int n, string expected) =>
        Assert.Equal(expected, StorageService.BaseName(name, n));

    [Fact]
    public void A_base_name_of_a_maximal_name_is_still_a_valid_volume_name()
    {
        var name = new string('a', 120) + ".qcow2";
        var baseName = StorageService.BaseName(name, 12);
        Assert.Null(StorageNames.ValidateVolumeName(baseName));
        Assert.EndsWith(".base12.qcow2", baseName, StringComparison.Ordinal);
    }

    private sealed class SimulatedKill : Exception;
}

using Vireo.Contracts;
using Vireo.Core.Storage;
using Vireo.Persistence;

namespace Vireo.Core.Tests.Storage;

/// <summary>undefine --remove-all-storage: which volumes are a VM's own, and why the others stay.</summary>
public sealed class RemovalTests
{
    [Fact]
    public async Task Only_writable_pool_volumes_no_one_else_needs_are_the_VMs_own()
    {
        await using var f = await StorageFixture.StartAsync();
        var own = await f.CreateAsync("default", "web-root.qcow2");
        var data = await f.CreateAsync("default", "web-data.raw", format: "raw");
        var shared = await f.CreateAsync("default", "shared.raw", format: "raw");
        var iso = await f.CreateAsync("default", "tools.iso", format: "raw");
        var layered = await f.CreateAsync("default", "golden.qcow2");
        await f.CreateAsync("default", "other.qcow2", null, backing: "default/golden.qcow2");
        var outside = Path.Combine(f.Root, "outside.raw");
        await File.WriteAllBytesAsync(outside, new byte[4096], f.Ct);
        var web = new VmSpec
        {
            Name = "web",
            Disks =
            [
                new DiskSpec { Volume = own.Volume, Path = own.Path, Format = "qcow2" },
                new DiskSpec { Path = data.Path, Format = "raw" }, // a volume given by its path is still a volume
                new DiskSpec { Volume = shared.Volume, Path = shared.Path, Format = "raw", Readonly = true },
                new DiskSpec { Volume = iso.Volume, Path = iso.Path, Format = "raw", Device = "cdrom" },
                new DiskSpec { Volume = layered.Volume, Path = layered.Path, Format = "qcow2" },
                new DiskSpec { Path = outside, Format = "raw" },
                new DiskSpec { Device = "cdrom" },
            ],
        };
        f.DefineVm("web", false, web.Disks.ToArray());
        f.DefineVm("db", false, new DiskSpec { Volume = shared.Volume, Path = shared.Path, Format = "raw", Readonly = true });

        var plan = f.Service.PlanRemoval(web);
        Assert.Equal(["default/web-root.qcow2", "default/web-data.raw"], plan.Own);
        var kept = plan.Kept.ToDictionary(k => k.Volume ?? k.Path!, k => k.Reason);
        Assert.Equal(4, kept.Count);
        Assert.Contains("read-only", kept["default/shared.raw"]);
        Assert.Contains("CD-ROM", kept["default/tools.iso"]);
        Assert.Contains("default/other.qcow2", kept["default/golden.qcow2"]);
        Assert.Contains("not a volume", kept[outside]);
        Assert.All(plan.Kept, k => Assert.False(k.Removed));
        Assert.Equal(6, f.Store.ListVolumes().Count); // planning changes nothing
    }

    [Fact]
    public async Task Own_volumes_are_deleted_and_the_base_under_an_own_overlay_stays_with_the_reason()
    {
        await using var f = await StorageFixture.StartAsync();
        var root = await f.CreateAsync("default", "web-root.qcow2");
        var plan = await f.Service.PlanLinkAsync("web", [new LinkRequest(root.Volume, "default/web2-root.qcow2")], f.Ct);
        await f.Service.MakeLinkFilesAsync(plan, f.Ct);
        f.Service.CommitLink(plan, [], new VmRecord { Uuid = "u2", Name = "web2", SpecJson = "{}", State = "stopped" });
        var web2 = new VmSpec { Name = "web2", Disks = [new DiskSpec { Volume = "default/web2-root.qcow2", Path = Path.Combine(f.DefaultDir, "web2-root.qcow2"), Format = "qcow2" }] };

        var removal = f.Service.PlanRemoval(web2);
        Assert.Equal(["default/web2-root.qcow2"], removal.Own);
        var baseKept = Assert.Single(removal.Kept);
        Assert.Equal("default/web-root.base.qcow2", baseKept.Volume);
        Assert.Contains("still layered on it (default/web-root.qcow2)", baseKept.Reason);

        var removed = await f.Service.RemoveOwnAsync(removal.Own);
        Assert.True(Assert.Single(removed).Removed);
        Assert.False(File.Exists(Path.Combine(f.DefaultDir, "web2-root.qcow2")));
        Assert.Equal(["web-root.base.qcow2", "web-root.qcow2"], f.Store.ListVolumes().Select(v => v.Name));

        // The base cannot be removed while web's overlay is on it; once web's volume is gone, it can.
        var web = new VmSpec { Name = "web", Disks = [new DiskSpec { Volume = root.Volume, Path = root.Path, Format = "qcow2" }] };
        var last = f.Service.PlanRemoval(web);
        Assert.Contains("can be deleted now that nothing is layered on it", Assert.Single(last.Kept).Reason);
        await f.Service.RemoveOwnAsync(last.Own);
        Assert.True((await f.Service.GetVolumeAsync("default/web-root.base.qcow2", f.Ct)).Base);
        await f.Service.DeleteAsync("default/web-root.base.qcow2", f.Ct);
        Assert.Empty(f.Store.ListVolumes());
        Assert.Empty(StorageFixture.Listing(f.DefaultDir));
    }

    [Fact]
    public async Task A_volume_that_became_shared_meanwhile_is_kept_with_the_reason()
    {
        await using var f = await StorageFixture.StartAsync();
        var root = await f.CreateAsync("default", "web-root.qcow2");
        var removal = f.Service.PlanRemoval(new VmSpec { Name = "web", Disks = [new DiskSpec { Volume = root.Volume, Path = root.Path, Format = "qcow2" }] });
        f.DefineVm("thief", false, new DiskSpec { Volume = root.Volume });
        var result = Assert.Single(await f.Service.RemoveOwnAsync(removal.Own));
        Assert.False(result.Removed);
        Assert.Contains("could not be removed", result.Reason);
        Assert.Contains("thief", result.Reason);
        Assert.True(File.Exists(root.Path));
    }
}

using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Storage;

namespace Vireo.Core.Tests.Storage;

public sealed class VolumeTests
{
    private const long MiB = StorageFixture.MiB;

    [Fact]
    public async Task A_created_volume_resolves_to_its_file_and_recorded_format()
    {
        await using var f = await StorageFixture.StartAsync();
        var info = await f.CreateAsync("default", "disk.raw", "32MiB", "raw", prealloc: "falloc");
        Assert.Equal(32 * MiB, info.VirtualSizeBytes);
        Assert.True(info.ActualSizeBytes >= 32 * MiB);
        Assert.Equal(new ResolvedVolume("default", "disk.raw", Path.Combine(f.DefaultDir, "disk.raw"), "raw"), f.Service.Resolve("default/disk.raw", "disks[0].volume"));
        Assert.Equal(["disk.raw"], StorageFixture.Listing(f.DefaultDir));
    }

    [Theory]
    [InlineData("/tmp/x.qcow2", "is a path")]
    [InlineData("x.qcow2", "has no pool")]
    [InlineData("default/../x", "\"..\"")]
    [InlineData("default/a/b", "contains \"/\"")]
    [InlineData("nopool/x", "does not exist")]
    [InlineData("default/missing", "is not a volume")]
    public async Task Resolve_names_the_field_and_value_of_a_bad_reference(string reference, string expected)
    {
        await using var f = await StorageFixture.StartAsync();
        var e = Assert.Throws<InvalidInputException>(() => f.Service.Resolve(reference, "disks[1].volume"));
        var error = Assert.Single(e.FieldErrors);
        Assert.Equal("disks[1].volume", error.Field);
        Assert.Equal(reference, error.Value);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("x", "-1G", null, null, "size", "negative")]
    [InlineData("x", "abc", null, null, "size", "is not a size")]
    [InlineData("x", "0G", null, null, "size", "zero")]
    [InlineData("x", "0", null, null, "size", "no unit")]
    [InlineData("x", null, null, null, "size", "is required")]
    [InlineData("../x", "1G", null, null, "name", "\"..\"")]
    [InlineData(".hidden", "1G", null, null, "name", "not a valid volume name")]
    [InlineData("x", "1G", "vmdk", null, "format", "use raw or qcow2")]
    [InlineData("x", "1G", "raw", "metadata", "preallocation", "only for qcow2")]
    public async Task Bad_create_requests_are_refused_with_the_field_and_change_nothing(string name, string? size, string? format, string? prealloc, string field, string expected)
    {
        await using var f = await StorageFixture.StartAsync();
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.CreateAsync("default", name, size, format, prealloc: prealloc));
        Assert.Contains(e.FieldErrors, x => x.Field == field && x.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Empty(StorageFixture.Listing(f.DefaultDir));
        Assert.Empty(f.Store.ListVolumes());
    }

    [Fact]
    public async Task A_file_Vireo_did_not_create_is_never_overwritten()
    {
        await using var f = await StorageFixture.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(f.DefaultDir, "x.qcow2"), "user data", f.Ct);
        var e = await Assert.ThrowsAsync<AlreadyExistsException>(() => f.CreateAsync("default", "x.qcow2"));
        Assert.Contains("not a Vireo volume", e.Message);
        Assert.Equal("user data", await File.ReadAllTextAsync(Path.Combine(f.DefaultDir, "x.qcow2"), f.Ct));
    }

    [Fact]
    public async Task An_overlay_records_its_backing_chain_and_protects_its_base()
    {
        await using var f = await StorageFixture.StartAsync();
        await f.CreateAsync("default", "base.raw", "8M", "raw");
        var mid = await f.Service.CreateOverlayAsync("default/mid.qcow2", "default/base.raw", f.Ct);
        await f.CreateAsync("default", "top.qcow2", size: null, backing: "default/mid.qcow2");
        Assert.Equal("qcow2", mid.Format);

        var top = await f.Service.GetVolumeAsync("default/top.qcow2", f.Ct);
        Assert.Equal(8 * MiB, top.VirtualSizeBytes);
        Assert.Equal(["default/mid.qcow2", "default/base.raw"], top.BackingChain.Select(b => b.Volume));
        Assert.Equal(["qcow2", "raw"], top.BackingChain.Select(b => b.Format));

        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("default/base.raw", f.Ct));
        Assert.Contains("default/mid.qcow2", e.Message);
        Assert.True(File.Exists(Path.Combine(f.DefaultDir, "base.raw")));
        await f.Service.DeleteAsync("default/top.qcow2", f.Ct);
        await f.Service.DeleteAsync("default/mid.qcow2", f.Ct);
        await f.Service.DeleteAsync("default/base.raw", f.Ct);
        Assert.Empty(StorageFixture.Listing(f.DefaultDir));
    }

    [Fact]
    public async Task No_overlay_goes_on_a_VMs_writable_disk_but_one_may_go_on_a_read_only_one()
    {
        await using var f = await StorageFixture.StartAsync();
        var root = await f.CreateAsync("default", "web-root.qcow2");
        await f.CreateAsync("default", "iso.raw", "8M", "raw");
        // A stopped VM too: it could never start again. Given by path, the disk is the same file.
        f.DefineVm("web", running: false, new DiskSpec { Path = root.Path, Format = "qcow2" }, new DiskSpec { Volume = "default/iso.raw", Readonly = true });
        f.DefineVm("web2", running: false, new DiskSpec { Volume = "default/iso.raw", Device = "cdrom" });
        var listing = StorageFixture.Listing(f.DefaultDir);
        var rows = f.Store.ListVolumes();

        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.CreateAsync("default", "x.qcow2", size: null, backing: "default/web-root.qcow2"));
        Assert.Contains("\"default/web-root.qcow2\" is a writable disk of VM web", e.Message);
        Assert.Contains("could no longer start", e.Message);
        Assert.DoesNotContain("vireo ", e.Message);
        Assert.Contains("vireo clone web NEW --linked", e.Hint);
        Assert.Equal(listing, StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(rows, f.Store.ListVolumes());

        // Read-only disks and CD-ROMs are never written: an overlay on them is fine.
        await f.CreateAsync("default", "scratch.qcow2", size: null, backing: "default/iso.raw");
    }

    [Fact]
    public async Task A_volume_used_by_a_VM_cannot_be_deleted_nor_resized_while_the_VM_runs()
    {
        await using var f = await StorageFixture.StartAsync();
        var v = await f.CreateAsync("default", "root.qcow2");
        await f.CreateAsync("default", "data.qcow2");
        f.DefineVm("web1", running: true, new DiskSpec { Volume = "default/root.qcow2" });
        f.DefineVm("db1", running: false, new DiskSpec { Path = v.Path.Replace("/root.qcow2", "/./data.qcow2", StringComparison.Ordinal), Format = "qcow2" });

        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("default/root.qcow2", f.Ct));
        Assert.Contains("web1", e.Message);
        e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("default/data.qcow2", f.Ct));
        Assert.Contains("db1", e.Message);
        e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.ResizeAsync("default/root.qcow2", new VolumeResizeRequest { Size = "+1G" }, f.Ct));
        Assert.Contains("running VM web1", e.Message);

        var grown = await f.Service.ResizeAsync("default/data.qcow2", new VolumeResizeRequest { Size = "+16M" }, f.Ct);
        Assert.Equal(32 * MiB, grown.VirtualSizeBytes);
        Assert.Equal(["db1"], grown.UsedBy);
    }

    [Fact]
    public async Task Shrinking_needs_allow_shrink()
    {
        await using var f = await StorageFixture.StartAsync();
        await f.CreateAsync("default", "v.raw", "32M", "raw");
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.ResizeAsync("default/v.raw", new VolumeResizeRequest { Size = "16M" }, f.Ct));
        Assert.Contains("would be lost", e.FieldErrors[0].Message);
        Assert.Contains("--allow-shrink", e.FieldErrors[0].Hint);
        Assert.StartsWith("invalid volume: size: \"16M\" is smaller", e.Message);
        Assert.Equal(32 * MiB, (await f.Service.GetVolumeAsync("default/v.raw", f.Ct)).VirtualSizeBytes);
        var shrunk = await f.Service.ResizeAsync("default/v.raw", new VolumeResizeRequest { Size = "16M", AllowShrink = true }, f.Ct);
        Assert.Equal(16 * MiB, shrunk.VirtualSizeBytes);
    }
}

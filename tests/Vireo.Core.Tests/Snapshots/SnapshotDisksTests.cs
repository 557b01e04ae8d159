using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Qemu.Model;

namespace Vireo.Core.Tests.Snapshots;

/// <summary>Which disks a VM has gained since a snapshot: what a memory revert refuses to load its RAM image beside.</summary>
public sealed class SnapshotDisksTests
{
    private static readonly SnapshotDisk Root = new() { Path = "/p/root.qcow2", Node = "disk0", HoldsVmState = true };

    private static BlockNode Node(string name, string path, bool readOnly = false) =>
        new(name, path, DiskFormat.Qcow2) { ReadOnly = readOnly };

    [Fact]
    public void A_writable_disk_the_snapshot_does_not_cover_was_added_since()
    {
        var nodes = new[] { Node("disk0", "/p/root.qcow2"), Node("disk1", "/p/extra.qcow2") };
        Assert.Equal(["/p/extra.qcow2"], SnapshotDisks.AddedSince([Root], [], nodes, []));
    }

    [Fact]
    public void A_read_only_disk_missing_from_the_recorded_ones_was_added_since()
    {
        var nodes = new[] { Node("disk0", "/p/root.qcow2"), Node("disk1", "/p/base.raw", readOnly: true), Node("disk2", "/p/old.raw", readOnly: true) };
        Assert.Equal(["/p/old.raw"], SnapshotDisks.AddedSince([Root], ["/p/base.raw"], nodes, ["/p/base.raw", "/p/old.raw"]));
        Assert.Empty(SnapshotDisks.AddedSince([Root], ["/p/base.raw", "/p/old.raw"], nodes, ["/p/base.raw", "/p/old.raw"]));
    }

    [Fact]
    public void Read_only_disks_are_not_judged_for_a_snapshot_that_did_not_record_them()
    {
        var nodes = new[] { Node("disk0", "/p/root.qcow2"), Node("disk1", "/p/base.raw", readOnly: true) };
        Assert.Empty(SnapshotDisks.AddedSince([Root], null, nodes, ["/p/base.raw"]));
    }

    [Fact]
    public void The_read_only_disks_of_a_spec_leave_out_cd_rom_drives_and_writable_disks()
    {
        var spec = new VmSpec
        {
            Name = "v",
            Disks =
            [
                new DiskSpec { Path = "/p/root.qcow2", Format = "qcow2" },
                new DiskSpec { Path = "/p/base.raw", Format = "raw", Readonly = true },
                new DiskSpec { Device = "cdrom", Path = "/iso/debian.iso", Format = "raw", Readonly = true },
                new DiskSpec { Device = "cdrom" },
            ],
        };
        Assert.Equal(["/p/base.raw"], SnapshotDisks.ReadOnly(spec));
    }
}

using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

public sealed class SpecDiffTests
{
    private static readonly VmSpec Web = new()
    {
        Name = "web",
        Memory = 512,
        Disks = [new DiskSpec { Path = "/srv/a.qcow2", Format = "qcow2" }],
        Nics = [new NicSpec { Type = "network", Network = "default", Mac = "52:54:00:00:00:01" }],
    };

    [Fact]
    public void Equal_definitions_have_no_changes_even_with_new_list_instances()
    {
        var copy = Web with { Disks = [.. Web.Disks], Nics = [.. Web.Nics] };
        Assert.Empty(SpecDiff.Compare(Web, copy));
        Assert.True(SpecDiff.Same(Web, copy));
    }

    [Fact]
    public void Changes_are_named_by_spec_field_with_values_as_the_yaml_writes_them()
    {
        var after = Web with
        {
            Memory = 2048,
            MaxMemory = 4096,
            Description = "db",
            Disks = [Web.Disks[0] with { Cache = "writeback" }, new DiskSpec { Path = "/srv/b.raw", Format = "raw" }],
        };
        var changes = SpecDiff.Compare(Web, after);
        Assert.Contains(new SpecChange { Field = "memory", From = "512MiB", To = "2GiB" }, changes);
        Assert.Contains(new SpecChange { Field = "max_memory", From = null, To = "4GiB" }, changes);
        Assert.Contains(new SpecChange { Field = "description", From = null, To = "db" }, changes);
        Assert.Contains(new SpecChange { Field = "disks[0].cache", From = null, To = "writeback" }, changes);
        Assert.Contains(new SpecChange { Field = "disks[1].path", From = null, To = "/srv/b.raw" }, changes);
        Assert.Equal("2GiB", SpecDiff.ValueOf(after, "memory"));
        // Removing is the reverse, "to" empty.
        Assert.Contains(new SpecChange { Field = "description", From = "db", To = null }, SpecDiff.Compare(after, Web));
    }

    [Fact]
    public void A_hot_plug_while_changes_are_pending_is_carried_into_the_pending_list()
    {
        var a = new DiskSpec { Path = "/a", Format = "raw" };
        var b = new DiskSpec { Path = "/b", Format = "raw" };
        var c = new DiskSpec { Path = "/c", Format = "raw" };
        var pendingB = b with { Cache = "unsafe" };
        // The pending list did not touch disks: it takes the new list as it is.
        Assert.Equal([a, b, c], VirtualMachine.CarryDeviceChange<DiskSpec>([a, b], [a, b, c], [a, b]));
        // It changed one: the added disk is appended, the removed one removed, its own change kept.
        Assert.Equal([a, pendingB, c], VirtualMachine.CarryDeviceChange<DiskSpec>([a, b], [a, b, c], [a, pendingB]));
        Assert.Equal([pendingB], VirtualMachine.CarryDeviceChange<DiskSpec>([a, b], [b], [a, pendingB]));
        // An item changed in place (CD-ROM medium) is changed in the pending list too.
        var a2 = a with { Path = "/a2" };
        Assert.Equal([a2, pendingB], VirtualMachine.CarryDeviceChange<DiskSpec>([a, b], [a2, b], [a, pendingB]));
    }
}

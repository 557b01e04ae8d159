using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Host;
using Vireo.Host.Linux;
using Vireo.Qmp;

namespace Vireo.Core.Tests.Engine;

/// <summary>How QEMU's block counters and the kernel's tap counters are matched to a spec's disks and NICs.</summary>
public sealed class VmStatsComposerTests
{
    private static readonly VmPaths Paths = new StatePaths("/var/lib/vireo").ForVm("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11");

    private static readonly VmSpec Spec = new()
    {
        Name = "web",
        Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11",
        Memory = 128,
        Boot = new BootSpec { Kernel = "/img/kernel" },
        Disks =
        [
            new DiskSpec { Path = "/pool/web.qcow2", Volume = "default/web.qcow2", Format = "qcow2" },
            new DiskSpec { Path = "/srv/data.raw", Format = "raw", Bus = "scsi" },
            new DiskSpec { Device = "cdrom" },
        ],
        Nics =
        [
            new NicSpec { Type = "network", Network = "default", Mac = "52:54:00:00:00:01" },
            new NicSpec { Type = "user", Mac = "52:54:00:00:00:02" },
            new NicSpec { Type = "network", Network = "slirp", Mac = "52:54:00:00:00:03" },
            new NicSpec { Type = "bridge", Bridge = "br0", Mac = "52:54:00:00:00:04" },
        ],
        Graphics = new GraphicsSpec { Type = "none" },
    };

    private static BlockStats Block(string qdev, long read, long written) =>
        new(new BlockDeviceStats(read, written, read / 512, written / 512, 1), Qdev: qdev);

    [Fact]
    public void Disks_are_found_by_the_device_ids_the_planner_gives_them()
    {
        var plan = new VmPlanner(new KvmStatus(false, "/dev/kvm", "none", null), _ => true, _ => true,
            (_, _) => new Core.Networks.NetworkAttachment(NetworkMode.Nat, "vireo-default", []), directIo: _ => false)
            .Plan(Spec with { Nics = [] }, Paths);
        var ids = plan.Config.Devices.Select(d => d.Id).Where(id => id.StartsWith("disk", StringComparison.Ordinal) || id.StartsWith("cdrom", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, ids.Count);

        // As QEMU 7.2 reports them: virtio-blk by its backend's QOM path, scsi-hd and ide-cd by id; plus a device
        // that is not in the spec (ignored).
        var disks = VmStatsComposer.Disks(Spec, [Block("cdrom0", 174, 0), Block($"/machine/peripheral/{ids[0]}/virtio-backend", 4096, 1048576),
            Block(ids[1], 512, 0), Block("/machine/unattached/device[9]", 1, 1)]);

        Assert.Equal([ids[0], ids[1], "cdrom0"], disks.Select(d => d.Device));
        Assert.Equal(("default/web.qcow2", "disk", 4096L, 1048576L, 8L, 2048L, 1L), (disks[0].Source, disks[0].Kind, disks[0].ReadBytes, disks[0].WriteBytes, disks[0].ReadOps, disks[0].WriteOps, disks[0].FlushOps));
        Assert.Equal("/srv/data.raw", disks[1].Source);
        Assert.Equal(("cdrom", null, 174L), (disks[2].Kind, disks[2].Source, disks[2].ReadBytes));
    }

    [Fact]
    public void Tap_counters_are_turned_to_the_guests_side_and_user_mode_NICs_say_why_they_have_none()
    {
        var devices = new Dictionary<string, NetDevCounters>
        {
            // The host received 100 bytes from the guest's tap and sent it 2000.
            ["vt525400000001"] = new(RxBytes: 100, RxPackets: 2, RxErrors: 0, RxDropped: 1, TxBytes: 2000, TxPackets: 20, TxErrors: 0, TxDropped: 3),
            ["vireo-default"] = new(9, 9, 9, 9, 9, 9, 9, 9),
        };
        var asked = new List<string>();
        var nics = VmStatsComposer.Nics(Spec, devices, network => { asked.Add(network); return network == "slirp"; });

        Assert.Equal(4, nics.Count);
        var tap = nics[0];
        Assert.Equal(("vt525400000001", "default", null), (tap.Tap, tap.Network, tap.Unavailable));
        Assert.Equal((2000L, 20L, 3L), (tap.RxBytes!.Value, tap.RxPackets!.Value, tap.RxDropped!.Value));
        Assert.Equal((100L, 2L, 1L), (tap.TxBytes!.Value, tap.TxPackets!.Value, tap.TxDropped!.Value));

        Assert.Null(nics[1].RxBytes);
        Assert.Null(nics[1].Tap);
        Assert.Contains("user-mode networking", nics[1].Unavailable);
        Assert.Contains("network \"slirp\" is user-mode", nics[2].Unavailable);
        Assert.Null(nics[2].TxBytes);
        Assert.Equal(("br0", "its tap vt525400000004 does not exist on the host"), (nics[3].Bridge, nics[3].Unavailable));
        // Networks are looked up only for a NIC whose tap is missing, never for one that has counters.
        Assert.Equal(["slirp"], asked);
    }
}

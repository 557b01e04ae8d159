using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

/// <summary>query-blockstats and query-balloon against replies recorded from QEMU 7.2 (see Fixtures/README.md).</summary>
public sealed class StatsCommandTests
{
    [Fact]
    public void Blockstats_parse_every_device_with_its_counters_and_id()
    {
        var stats = QmpCommands.QueryBlockstats().ParseResult(QmpFixtures.ReturnOf("query-blockstats"));
        Assert.Equal("query-blockstats", QmpCommands.QueryBlockstats().Name);
        Assert.Equal(4, stats.Count);

        // virtio-blk: qdev is the QOM path of its backend; the id is the part after /machine/peripheral/.
        var virtio = stats[1];
        Assert.Equal("/machine/peripheral/disk1/virtio-backend", virtio.Qdev);
        Assert.Equal("disk1", virtio.DeviceId);
        Assert.Equal("drv1", virtio.NodeName);
        Assert.Equal((12288L, 3L, 0L, 0L, 0L), (virtio.Stats.RdBytes, virtio.Stats.RdOperations, virtio.Stats.WrBytes, virtio.Stats.WrOperations, virtio.Stats.FlushOperations));
        Assert.True(virtio.Stats.RdTotalTimeNs > 0);

        // scsi-hd and ide-cd: qdev is the id itself; an empty drive has no node.
        Assert.Equal(("disk2", "drv2"), (stats[2].DeviceId, stats[2].NodeName));
        Assert.Equal(("cdrom0", null), (stats[3].DeviceId, stats[3].NodeName));
        Assert.Equal(174, stats[3].Stats.RdBytes);

        // The legacy drive of a machine without -nodefaults names no device.
        Assert.Equal("sd0", stats[0].Device);
        Assert.Null(stats[0].DeviceId);
    }

    [Theory]
    [InlineData("/machine/peripheral/net0/virtio-backend", "net0")]
    [InlineData("/machine/peripheral/disk2", "disk2")]
    [InlineData("cdrom0", "cdrom0")]
    [InlineData("/machine/unattached/device[3]", null)]
    [InlineData("", null)]
    public void Device_ids_come_from_qdev_or_its_peripheral_path(string qdev, string? id)
    {
        Assert.Equal(id, new BlockStats(new BlockDeviceStats(0, 0, 0, 0, 0), Qdev: qdev).DeviceId);
    }

    [Fact]
    public void Balloon_gives_the_actual_size_in_bytes()
    {
        Assert.Equal(new BalloonInfo(134217728), QmpCommands.QueryBalloon().ParseResult(QmpFixtures.ReturnOf("query-balloon")));
    }

    [Fact]
    public async Task Without_a_balloon_QEMU_answers_DeviceNotActive()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.QueryBalloon());
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "query-balloon-none");

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => call.Within());
        Assert.Equal(QmpErrorClass.DeviceNotActive, ex.ErrorClass);
    }
}

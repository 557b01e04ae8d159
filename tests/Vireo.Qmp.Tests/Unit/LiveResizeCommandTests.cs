using System.Text.Json.Nodes;
using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

/// <summary>
/// balloon, query-hotpluggable-cpus and a CPU's device_add against replies recorded from QEMU 7.2 with
/// <c>-smp 1,maxcpus=2</c> and a virtio-balloon-pci (see Fixtures/README.md).
/// </summary>
public sealed class LiveResizeCommandTests
{
    [Fact]
    public void Hotpluggable_cpus_list_the_empty_slot_and_the_boot_cpu()
    {
        var slots = QmpCommands.QueryHotpluggableCpus().ParseResult(QmpFixtures.ReturnOf("query-hotpluggable-cpus"));
        Assert.Equal("query-hotpluggable-cpus", QmpCommands.QueryHotpluggableCpus().Name);
        Assert.Equal(2, slots.Count);

        // QEMU lists the highest slot first; -smp 1,maxcpus=2 on q35 7.2 makes the slots cores of one socket.
        var empty = slots[0];
        Assert.Equal(("max-x86_64-cpu", 1), (empty.Type, empty.VcpusCount));
        Assert.Equal(new CpuInstanceProperties(SocketId: 0, CoreId: 1, ThreadId: 0), empty.Props);
        Assert.False(empty.IsPlugged);
        Assert.Null(empty.DeviceId);

        var boot = slots[1];
        Assert.True(boot.IsPlugged);
        Assert.Equal("/machine/unattached/device[0]", boot.QomPath);
        Assert.Null(boot.DeviceId);
        Assert.Equal(0, boot.Props.CoreId);
    }

    [Fact]
    public void A_plugged_cpu_shows_its_id_in_its_qom_path()
    {
        var slots = QmpCommands.QueryHotpluggableCpus().ParseResult(QmpFixtures.ReturnOf("query-hotpluggable-cpus-plugged"));
        Assert.All(slots, s => Assert.True(s.IsPlugged));
        Assert.Equal("/machine/peripheral/vcpu1", slots[0].QomPath);
        Assert.Equal("vcpu1", slots[0].DeviceId);

        // query-cpus-fast then lists both, the new one with its own thread.
        var cpus = QmpCommands.QueryCpusFast().ParseResult(QmpFixtures.ReturnOf("query-cpus-fast-two"));
        Assert.Equal(["/machine/unattached/device[0]", "/machine/peripheral/vcpu1"], cpus.Select(c => c.QomPath));
        Assert.Equal([0, 1], cpus.Select(c => c.CpuIndex));
    }

    [Fact]
    public void Cpu_add_names_the_slot_type_and_every_topology_member_it_has()
    {
        var empty = QmpCommands.QueryHotpluggableCpus().ParseResult(QmpFixtures.ReturnOf("query-hotpluggable-cpus"))[0];
        var command = QmpCommands.CpuAdd(empty, "vcpu1");
        Assert.Equal("device_add", command.Name);
        // The very arguments that QEMU 7.2 accepted in the recording (device_add-cpu).
        Assert.Equal("""{"driver":"max-x86_64-cpu","id":"vcpu1","socket-id":0,"core-id":1,"thread-id":0}""", command.BuildArguments()!.ToJsonString());

        var numa = new HotpluggableCpu("Haswell-x86_64-cpu", 1, new CpuInstanceProperties(NodeId: 1, SocketId: 2, DieId: 0, CoreId: 3, ThreadId: 1));
        Assert.Equal("""{"driver":"Haswell-x86_64-cpu","id":"c","node-id":1,"socket-id":2,"die-id":0,"core-id":3,"thread-id":1}""",
            numa.ToDeviceArguments("c").ToJsonString());
    }

    [Fact]
    public async Task Cpu_add_into_a_filled_slot_is_a_generic_error()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var slot = new HotpluggableCpu("max-x86_64-cpu", 1, new CpuInstanceProperties(SocketId: 0, CoreId: 1, ThreadId: 0));
        var call = client.ExecuteAsync(QmpCommands.CpuAdd(slot, "vcpu2"));
        var sent = await peer.ReceiveAsync();
        Assert.Equal("device_add", sent.Execute);
        Assert.Equal(1, sent.Arguments!.Value.GetProperty("core-id").GetInt32());
        await peer.ReplyWithRecordingAsync(sent, "device_add-cpu-taken");

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => call.Within());
        Assert.Equal(QmpErrorClass.GenericError, ex.ErrorClass);
        Assert.Contains("exists", ex.Description);
    }

    [Fact]
    public async Task Balloon_sends_the_target_in_bytes_and_gets_an_empty_reply()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.Balloon(256L << 20));
        var sent = await peer.ReceiveAsync();
        Assert.Equal("balloon", sent.Execute);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"value":268435456}"""), JsonNode.Parse(sent.Arguments!.Value.GetRawText())));
        await peer.ReplyWithRecordingAsync(sent, "balloon");
        await call.Within();
    }

    [Fact]
    public void Query_balloon_follows_the_target_once_the_guest_driver_has_inflated()
    {
        // Recorded from the tiny guest (-m 512, target 256 MiB) a fraction of a second after it was ready.
        Assert.Equal(256L << 20, QmpCommands.QueryBalloon().ParseResult(QmpFixtures.ReturnOf("query-balloon-256")).Actual);
    }

    [Fact]
    public async Task Balloon_without_a_balloon_device_is_DeviceNotActive()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.Balloon(256L << 20));
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "balloon-none");

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => call.Within());
        Assert.Equal(QmpErrorClass.DeviceNotActive, ex.ErrorClass);
    }

    [Fact]
    public void A_balloon_target_of_zero_is_refused_before_qemu_refuses_it()
    {
        // QEMU 7.2: "Parameter 'target' expects a size" (recorded as balloon-zero).
        Assert.Contains("expects a size", QmpFixtures.Reply("balloon-zero", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => QmpCommands.Balloon(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => QmpCommands.Balloon(-1));
    }
}

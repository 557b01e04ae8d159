using System.Text.Json.Nodes;
using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class TypedCommandTests
{
    [Theory]
    [InlineData("debug", RunState.Debug)]
    [InlineData("inmigrate", RunState.InMigrate)]
    [InlineData("internal-error", RunState.InternalError)]
    [InlineData("io-error", RunState.IoError)]
    [InlineData("paused", RunState.Paused)]
    [InlineData("postmigrate", RunState.PostMigrate)]
    [InlineData("prelaunch", RunState.Prelaunch)]
    [InlineData("finish-migrate", RunState.FinishMigrate)]
    [InlineData("restore-vm", RunState.RestoreVm)]
    [InlineData("running", RunState.Running)]
    [InlineData("save-vm", RunState.SaveVm)]
    [InlineData("shutdown", RunState.Shutdown)]
    [InlineData("suspended", RunState.Suspended)]
    [InlineData("watchdog", RunState.Watchdog)]
    [InlineData("guest-panicked", RunState.GuestPanicked)]
    [InlineData("colo", RunState.Colo)]
    [InlineData("some-future-state", RunState.Unknown)]
    public void Query_status_maps_every_QEMU_run_state(string wire, RunState expected)
    {
        var json = JsonNode.Parse($$"""{"status": "{{wire}}", "singlestep": false, "running": false}""")!;
        var result = QmpCommands.QueryStatus().ParseResult(System.Text.Json.JsonDocument.Parse(json.ToJsonString()).RootElement);
        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public void Recorded_replies_parse_into_typed_results()
    {
        Assert.Equal(new StatusInfo(true, RunState.Running, false), QmpCommands.QueryStatus().ParseResult(QmpFixtures.ReturnOf("query-status-running")));
        Assert.Equal(new QemuVersionTriple(7, 2, 22), QmpCommands.QueryVersion().ParseResult(QmpFixtures.ReturnOf("query-version")).Qemu);
        Assert.Equal(new KvmInfo(false, true), QmpCommands.QueryKvm().ParseResult(QmpFixtures.ReturnOf("query-kvm")));
        Assert.Equal("fixture-vm", QmpCommands.QueryName().ParseResult(QmpFixtures.ReturnOf("query-name")));
        Assert.Equal("7.2.22Debian 1:7.2+dfsg-7+deb12u18+b3\r\n", QmpCommands.HumanMonitor("info version").ParseResult(QmpFixtures.ReturnOf("human-monitor-command")));

        var vnc = QmpCommands.QueryVnc().ParseResult(QmpFixtures.ReturnOf("query-vnc"));
        Assert.True(vnc.Enabled);
        Assert.Equal(("127.0.0.1", "5977", 5977), (vnc.Host, vnc.Service, vnc.Port));
        Assert.Empty(vnc.Clients!);

        var cpu = Assert.Single(QmpCommands.QueryCpusFast().ParseResult(QmpFixtures.ReturnOf("query-cpus-fast")));
        Assert.Equal(0, cpu.CpuIndex);
        Assert.Equal("/machine/unattached/device[0]", cpu.QomPath);
        Assert.True(cpu.ThreadId > 0);

        var chardev = Assert.Single(QmpCommands.QueryChardev().ParseResult(QmpFixtures.ReturnOf("query-chardev")));
        Assert.Equal("qmp", chardev.Label);
        Assert.StartsWith("unix:", chardev.Filename);
        Assert.True(chardev.FrontendOpen);
    }

    [Fact]
    public void Query_block_lists_empty_drives_and_blockdev_backed_devices()
    {
        var blocks = QmpCommands.QueryBlock().ParseResult(QmpFixtures.ReturnOf("query-block"));
        Assert.Equal(2, blocks.Count);

        var cdrom = blocks[0];
        Assert.Equal(("cd0", true), (cdrom.Device, cdrom.Removable));
        Assert.Null(cdrom.Inserted);

        var disk = blocks[1];
        Assert.Equal("", disk.Device);
        Assert.Equal("/machine/peripheral/vd0/virtio-backend", disk.Qdev);
        Assert.Equal("ok", disk.IoStatus);
        Assert.Equal(("disk0", "null-co", false), (disk.Inserted!.NodeName, disk.Inserted.Drv, disk.Inserted.Ro));
        Assert.Equal(0, disk.Inserted.BackingFileDepth);
        Assert.Equal(1048576, disk.Inserted.Image!.VirtualSize);
    }

    [Fact]
    public void Block_resize_names_the_node_and_the_size_in_bytes()
    {
        var command = QmpCommands.BlockResize("drv1a2b3c4d", 50331648);
        Assert.Equal("block_resize", command.Name);
        Assert.Equal("""{"node-name":"drv1a2b3c4d","size":50331648}""", command.BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void Query_machines_reports_aliases_and_the_default()
    {
        var machines = QmpCommands.QueryMachines().ParseResult(QmpFixtures.ReturnOf("query-machines"));
        var q35 = Assert.Single(machines, m => m.Alias == "q35");
        Assert.Equal("pc-q35-7.2", q35.Name);
        Assert.False(q35.IsDefault);
        Assert.Equal(288, q35.CpuMax);
        Assert.Equal("pc", Assert.Single(machines, m => m.IsDefault).Alias);
    }

    [Fact]
    public void Query_commands_returns_the_names()
    {
        var names = QmpCommands.QueryCommands().ParseResult(QmpFixtures.ReturnOf("query-commands"));
        Assert.Contains("qmp_capabilities", names);
        Assert.Contains("device_add", names);
    }

    [Fact]
    public void Typed_arguments_use_QAPI_member_names()
    {
        Assert.Equal("""{"id":"nic0"}""", QmpCommands.DeviceDel("nic0").BuildArguments()!.ToJsonString());
        Assert.Equal("""{"id":"net0"}""", QmpCommands.NetdevDel("net0").BuildArguments()!.ToJsonString());
        Assert.Equal("""{"node-name":"disk0"}""", QmpCommands.BlockdevDel("disk0").BuildArguments()!.ToJsonString());
        Assert.Equal("""{"command-line":"info version"}""", QmpCommands.HumanMonitor("info version").BuildArguments()!.ToJsonString());
        Assert.Null(QmpCommands.Cont().BuildArguments());
    }

    [Fact]
    public void Each_command_carries_its_wire_name()
    {
        Assert.Equal("qmp_capabilities", QmpCommands.QmpCapabilities().Name);
        Assert.Equal("system_powerdown", QmpCommands.SystemPowerdown().Name);
        Assert.Equal("system_reset", QmpCommands.SystemReset().Name);
        Assert.Equal("system_wakeup", QmpCommands.SystemWakeup().Name);
        Assert.Equal("stop", QmpCommands.Stop().Name);
        Assert.Equal("blockdev-add", QmpCommands.BlockdevAdd(new JsonObject { ["driver"] = "null-co" }).Name);
        Assert.Equal("netdev_add", QmpCommands.NetdevAdd(new JsonObject { ["type"] = "user", ["id"] = "n0" }).Name);
    }

    [Fact]
    public void Free_form_adds_require_the_member_QEMU_always_needs()
    {
        var ex = Assert.Throws<ArgumentException>(() => QmpCommands.DeviceAdd(new JsonObject { ["id"] = "nic0" }));
        Assert.Contains("driver", ex.Message);
        Assert.Throws<ArgumentException>(() => QmpCommands.NetdevAdd(new JsonObject { ["type"] = "user" }));
        Assert.Throws<ArgumentException>(() => QmpCommands.BlockdevAdd(new JsonObject { ["node-name"] = "x" }));
    }

    [Fact]
    public async Task Device_add_sends_the_callers_properties_verbatim()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var add = client.ExecuteAsync(QmpCommands.DeviceAdd(new JsonObject
        {
            ["driver"] = "virtio-net-pci", ["id"] = "nic0", ["netdev"] = "net0", ["bus"] = "pcie.1", ["mac"] = "52:54:00:12:34:56",
        }));
        var command = await peer.ReceiveAsync();
        await peer.ReplyAsync(command);
        await add.Within();

        Assert.Equal("device_add", command.Execute);
        Assert.Equal("""{"driver":"virtio-net-pci","id":"nic0","netdev":"net0","bus":"pcie.1","mac":"52:54:00:12:34:56"}""",
            command.Arguments!.Value.GetRawText());
    }
}

using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Vireo.Qmp.Tests.Integration;

/// <summary>
/// Against the real QEMU on PATH under TCG (7.2 on Debian 12, 10.0 on Debian 13: tests/package/in-root.sh runs them
/// there), started with <c>-S</c> and no guest code (no kernel needed). Nothing here pins a QEMU version: what is
/// expected comes from the binary itself (its --version banner).
/// </summary>
public sealed class RealQemuTests
{
    [Fact]
    public async Task Greeting_reports_the_binarys_own_version_and_matches_query_version()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var greeting = qemu.Client.Greeting.Version;
        Assert.Equal(QemuUnderTest.BannerVersion(), (greeting.Qemu.Major, greeting.Qemu.Minor, greeting.Qemu.Micro));
        Assert.Equal(greeting, await qemu.Client.ExecuteAsync(QmpCommands.QueryVersion()));
    }

    [Fact]
    public async Task A_VM_started_with_S_is_in_prelaunch()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var status = await qemu.Client.ExecuteAsync(QmpCommands.QueryStatus());
        Assert.Equal(RunState.Prelaunch, status.Status);
        Assert.False(status.Running);
    }

    [Fact]
    public async Task Cont_emits_RESUME_and_stop_emits_STOP_with_matching_run_states()
    {
        await using var qemu = await QemuUnderTest.StartAsync();
        var client = qemu.Client;

        await client.ExecuteAsync(QmpCommands.Cont());
        await client.Events.WaitForEventAsync<ResumeEvent>();
        // "singlestep" is false up to QEMU 8 and absent from QEMU 9 on (removed from StatusInfo): both are fine.
        var running = await client.ExecuteAsync(QmpCommands.QueryStatus());
        Assert.Equal((true, RunState.Running), (running.Running, running.Status));
        Assert.NotEqual(true, running.Singlestep);

        await client.ExecuteAsync(QmpCommands.Stop());
        await client.Events.WaitForEventAsync<StopEvent>();
        Assert.Equal(RunState.Paused, (await client.ExecuteAsync(QmpCommands.QueryStatus())).Status);
    }

    [Fact]
    public async Task System_reset_emits_RESET_caused_by_the_host()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        await qemu.Client.ExecuteAsync(QmpCommands.SystemReset());

        var reset = await qemu.Client.Events.WaitForEventAsync<ResetEvent>();
        Assert.False(reset.Guest);
        Assert.Equal("host-qmp-system-reset", reset.Reason);
        Assert.InRange(reset.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Query_kvm_reports_KVM_disabled_under_TCG()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        Assert.False((await qemu.Client.ExecuteAsync(QmpCommands.QueryKvm())).Enabled);
    }

    [Fact]
    public async Task Query_vnc_reports_the_port_QEMU_chose_and_a_client_connecting_is_an_event()
    {
        // to=99 lets QEMU pick the first free display from 5900, so parallel test runs do not collide.
        await using var qemu = await QemuUnderTest.StartAsync(["-vnc", "127.0.0.1:0,to=99"]);

        var vnc = await qemu.Client.ExecuteAsync(QmpCommands.QueryVnc());
        Assert.True(vnc.Enabled);
        Assert.Equal("127.0.0.1", vnc.Host);
        Assert.InRange(vnc.Port!.Value, 5900, 5999);

        using (var viewer = new TcpClient())
        {
            await viewer.ConnectAsync("127.0.0.1", vnc.Port.Value);
            var connected = await qemu.Client.Events.WaitForEventAsync<VncConnectedEvent>();
            Assert.Equal(vnc.Service, connected.Server.Service);
        }

        await qemu.Client.Events.WaitForEventAsync<VncDisconnectedEvent>();
    }

    [Fact]
    public async Task Query_vnc_without_vnc_reports_disabled()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        Assert.False((await qemu.Client.ExecuteAsync(QmpCommands.QueryVnc())).Enabled);
    }

    [Fact]
    public async Task An_unknown_command_fails_with_class_CommandNotFound()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => qemu.Client.ExecuteRawAsync("x-vireo-no-such-command"));
        Assert.Equal(QmpErrorClass.CommandNotFound, ex.ErrorClass);
        Assert.True(qemu.Client.IsConnected);
    }

    [Fact]
    public async Task Device_add_of_an_unknown_driver_fails_with_GenericError()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() =>
            qemu.Client.ExecuteAsync(QmpCommands.DeviceAdd(new JsonObject { ["driver"] = "no-such-driver", ["id"] = "x" })));
        Assert.Equal(QmpErrorClass.GenericError, ex.ErrorClass);
        Assert.Equal("QEMU refused 'device_add': 'no-such-driver' is not a valid device model name", ex.Message);
    }

    [Fact]
    public async Task Device_del_of_a_missing_device_fails_with_DeviceNotFound()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => qemu.Client.ExecuteAsync(QmpCommands.DeviceDel("x")));
        Assert.Equal(QmpErrorClass.DeviceNotFound, ex.ErrorClass);
        Assert.Equal("QEMU refused 'device_del': Device 'x' not found", ex.Message);
    }

    [Fact]
    public async Task Unplugging_a_usb_keyboard_emits_DEVICE_DELETED()
    {
        // USB unplug needs no guest cooperation, unlike PCI(e) hot-unplug.
        await using var qemu = await QemuUnderTest.StartAsync(["-device", "qemu-xhci,id=xhci"]);
        var client = qemu.Client;

        await client.ExecuteAsync(QmpCommands.DeviceAdd(new JsonObject { ["driver"] = "usb-kbd", ["id"] = "kbd0" }));
        await client.ExecuteAsync(QmpCommands.DeviceDel("kbd0"));

        var deleted = await client.Events.WaitForEventAsync<DeviceDeletedEvent>();
        Assert.Equal("kbd0", deleted.Device);
        Assert.Equal("/machine/peripheral/kbd0", deleted.Path);
    }

    [Fact]
    public async Task Netdev_and_blockdev_can_be_added_and_removed()
    {
        await using var qemu = await QemuUnderTest.StartAsync();
        var client = qemu.Client;

        await client.ExecuteAsync(QmpCommands.NetdevAdd(new JsonObject { ["type"] = "user", ["id"] = "net0", ["restrict"] = true }));
        await client.ExecuteAsync(QmpCommands.NetdevDel("net0"));
        var missing = await Assert.ThrowsAsync<QmpCommandException>(() => client.ExecuteAsync(QmpCommands.NetdevDel("net0")));
        Assert.Equal(QmpErrorClass.DeviceNotFound, missing.ErrorClass);

        await client.ExecuteAsync(QmpCommands.BlockdevAdd(new JsonObject { ["driver"] = "null-co", ["node-name"] = "null0", ["size"] = 1 << 20 }));
        await client.ExecuteAsync(QmpCommands.BlockdevDel("null0"));
        await Assert.ThrowsAsync<QmpCommandException>(() => client.ExecuteAsync(QmpCommands.BlockdevDel("null0")));
    }

    [Fact]
    public async Task A_backup_job_reports_its_states_and_completion()
    {
        await using var qemu = await QemuUnderTest.StartAsync(
            ["-blockdev", "driver=null-co,node-name=src,size=1048576", "-blockdev", "driver=null-co,node-name=dst,size=1048576"]);
        var client = qemu.Client;

        await client.ExecuteRawAsync("blockdev-backup", new JsonObject
        {
            ["job-id"] = "job0", ["device"] = "src", ["target"] = "dst", ["sync"] = "full",
        });

        var completed = await client.Events.WaitForEventAsync<BlockJobCompletedEvent>();
        Assert.Equal(("backup", "job0", 1048576L, 1048576L), (completed.Type, completed.Device, completed.Len, completed.Offset));
        Assert.Null(completed.Error);
        var concluded = await client.Events.WaitForEventAsync<JobStatusChangeEvent>();
        Assert.Equal(("job0", JobStatus.Concluded), (concluded.Id, concluded.Status));
    }

    [Fact]
    public async Task Query_commands_list_the_devices_and_block_nodes()
    {
        await using var qemu = await QemuUnderTest.StartAsync(
            ["-name", "it-vm", "-blockdev", "driver=null-co,node-name=disk0,size=1048576", "-device", "virtio-blk-pci,drive=disk0,id=vd0"]);
        var client = qemu.Client;

        Assert.Equal("it-vm", await client.ExecuteAsync(QmpCommands.QueryName()));
        var block = Assert.Single(await client.ExecuteAsync(QmpCommands.QueryBlock()));
        Assert.Equal("disk0", block.Inserted!.NodeName);
        Assert.Contains("vd0", block.Qdev);
        var chardev = Assert.Single(await client.ExecuteAsync(QmpCommands.QueryChardev()));
        Assert.Equal("qmp", chardev.Label);
        Assert.Contains(qemu.SocketPath, chardev.Filename);
        var cpu = Assert.Single(await client.ExecuteAsync(QmpCommands.QueryCpusFast()));
        Assert.True(cpu.ThreadId > 0);
        Assert.Contains(await client.ExecuteAsync(QmpCommands.QueryMachines()), m => m.Alias == "q35");
        Assert.Contains("blockdev-add", await client.ExecuteAsync(QmpCommands.QueryCommands()));
        var (major, minor, micro) = QemuUnderTest.BannerVersion();
        Assert.StartsWith($"{major}.{minor}.{micro}", await client.ExecuteAsync(QmpCommands.HumanMonitor("info version")));
    }

    [Fact]
    public async Task Many_concurrent_commands_are_all_answered()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var calls = Enumerable.Range(0, 100)
            .Select(i => Task.Run(async () => i % 2 == 0
                ? (object)await qemu.Client.ExecuteAsync(QmpCommands.QueryStatus())
                : await qemu.Client.ExecuteAsync(QmpCommands.QueryKvm())));
        var results = await Task.WhenAll(calls);

        Assert.Equal(50, results.OfType<StatusInfo>().Count(s => s.Status == RunState.Prelaunch));
        Assert.Equal(50, results.OfType<KvmInfo>().Count());
    }

    [Fact]
    public async Task Quit_makes_QEMU_exit_and_completes_Disconnected_and_Events()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        await qemu.Client.QuitAsync();

        await qemu.Client.Disconnected.Within();
        var shutdown = await qemu.Client.Events.WaitForEventAsync<ShutdownEvent>();
        Assert.Equal("host-qmp-quit", shutdown.Reason);
        await qemu.Client.Events.Completion.Within();
        await qemu.WaitForExitAsync();
        Assert.Equal(0, qemu.Process.ExitCode);
    }

    [Fact]
    public async Task Killing_QEMU_closes_the_connection_and_later_calls_fail_as_disconnected()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        qemu.Process.Kill();

        await qemu.Client.Disconnected.Within();
        await qemu.Client.Events.Completion.Within();
        var ex = await Assert.ThrowsAsync<QmpDisconnectedException>(() => qemu.Client.ExecuteAsync(QmpCommands.QueryStatus()));
        Assert.False(ex.CommandWasSent);
    }

    [Fact]
    public async Task A_second_client_gets_no_greeting_and_fails_to_connect_within_its_timeout()
    {
        await using var qemu = await QemuUnderTest.StartAsync();

        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromSeconds(1) };
        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(qemu.SocketPath, options).Within());
        Assert.Equal(qemu.SocketPath, ex.SocketPath);
        Assert.Contains("another client", ex.Message);

        // The first client is unaffected.
        Assert.Equal(RunState.Prelaunch, (await qemu.Client.ExecuteAsync(QmpCommands.QueryStatus())).Status);
    }
}

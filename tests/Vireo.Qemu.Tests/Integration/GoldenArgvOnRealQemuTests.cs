using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Vireo.Qemu.Model;
using Vireo.Qemu.Tests.Golden;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

/// <summary>
/// Every golden configuration, rendered into a temp dir, is started by the real QEMU and checked over QMP:
/// the argv that the golden files pin is argv that QEMU accepts, with every device and block node present.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GoldenArgvOnRealQemuTests
{
    public static TheoryData<string> CaseNames => new(GoldenCases.All.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Golden_configuration_starts_in_real_qemu_with_all_devices(string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var dir = new TempDir();
        var config = AdaptToThisHost(GoldenCases.All[name](dir.Path));
        await ConfigMaterializer.PrepareAsync(config, cts.Token);
        var argv = QemuCommandLine.Build(config);

        // Tap devices are created by QEMU (we are root) inside a namespace of our own, never on the host.
        using var netns = config.Netdevs.OfType<TapNetdev>().Any() ? NetNamespace.Create() : null;
        var (program, fullArgv) = netns is null ? (TestPaths.Emulator, argv) : netns.Wrap(TestPaths.Emulator, argv);

        await using var qemus = new QemuProcesses();
        var handle = await qemus.LaunchAsync(program, fullArgv, config.PidFilePath, cts.Token);
        Assert.True(handle.IsAlive);
        await using (var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, cts.Token))
        {
            var peripherals = await qmp.ExecuteAsync("""{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}""", cts.Token);
            var ids = peripherals["return"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToHashSet();
            foreach (var device in config.Devices) Assert.Contains(device.Id, ids);
            if (config.SerialConsole is not null) Assert.Contains(QemuCommandLine.SerialDeviceId, ids);

            var nodes = await qmp.ExecuteAsync("""{"execute":"query-named-block-nodes","arguments":{"flat":true}}""", cts.Token);
            var nodeNames = nodes["return"]!.AsArray().Select(n => n!["node-name"]!.GetValue<string>()).ToHashSet();
            foreach (var node in config.BlockNodes)
            {
                Assert.Contains(node.NodeName, nodeNames);
                Assert.Contains(node.ProtocolNodeName, nodeNames);
            }

            if (config.Vnc is not null)
            {
                var vnc = await qmp.ExecuteAsync("""{"execute":"query-vnc"}""", cts.Token);
                Assert.Equal("127.0.0.1", vnc["return"]!["host"]!.GetValue<string>());
                if (config.Vnc.Port is { } port) Assert.Equal(port.ToString(), vnc["return"]!["service"]!.GetValue<string>());
            }
            await qmp.ExecuteAsync("""{"execute":"quit"}""", cts.Token);
        }
        Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(10), cts.Token));
    }

    private static QemuVmConfig AdaptToThisHost(QemuVmConfig c)
    {
        // No /dev/kvm on the test machine: the KVM case runs its devices under TCG instead.
        if (c.Accel == QemuAccel.Kvm) c = c with { Accel = QemuAccel.Tcg, CpuModel = "max" };
        // A fixed VNC port may be taken by another test or user; pick one that is free right now.
        if (c.Vnc?.Port is not null) c = c with { Vnc = VncConfig.Fixed(FreeVncPort()) };
        return c;
    }

    private static int FreeVncPort()
    {
        for (var port = 5950; port < 6000; port++)
        {
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("No free VNC port in 5950-5999.");
    }
}

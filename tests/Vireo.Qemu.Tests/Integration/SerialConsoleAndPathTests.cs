using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

/// <summary>
/// A real guest (a tiny multiboot kernel) writes to ttyS0; QEMU appends it to the console log by itself. All
/// files live in a directory whose name has a comma, a space and non-ASCII characters.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SerialConsoleAndPathTests : IDisposable
{
    private const string Marker = "VIREO-SERIAL-OK";
    private readonly TempDir _dir = new();
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        _cts.Dispose();
        _dir.Dispose();
    }

    private QemuVmConfig Config()
    {
        var d = _dir.Sub("a,b é+x");
        MultibootKernel.Write(Path.Combine(d, "kernel,1"), Marker);
        return new QemuVmConfig
        {
            Name = "serial,test",
            Uuid = Guid.NewGuid(),
            MemoryMiB = 64,
            TcgTranslationCacheMiB = 32,
            QmpSocketPath = Path.Combine(d, "qmp,1.sock"),
            PidFilePath = Path.Combine(d, "qemu,1.pid"),
            SerialConsole = new SerialConsoleConfig(Path.Combine(d, "con,1.sock"), Path.Combine(d, "con,1.log")),
            DirectKernelBoot = new DirectKernelBoot(Path.Combine(d, "kernel,1"), null, "console=ttyS0,115200"),
            BlockNodes = [new BlockNode("disk0", Path.Combine(d, "disk,1.qcow2"), DiskFormat.Qcow2)],
            Devices = [new VirtioBlkPci("virtio-disk0", "disk0")],
        };
    }

    [Fact]
    public async Task Guest_serial_output_is_appended_to_the_log_with_nobody_attached_across_boots()
    {
        var config = Config();
        await TestPaths.QemuImg.CreateAsync(config.BlockNodes[0].Path, DiskFormat.Qcow2, 16 << 20, null, _cts.Token);
        await using var qemus = new QemuProcesses();

        for (var boot = 1; boot <= 2; boot++)
        {
            var handle = await qemus.LaunchAsync(config, _cts.Token);
            await using var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, _cts.Token);
            await qmp.ExecuteAsync("""{"execute":"cont"}""", _cts.Token);

            var log = await WaitForLogAsync(config.SerialConsole!.LogFilePath, boot);
            // logappend=on: the second boot adds to the first boot's output instead of truncating it.
            Assert.Equal(boot, Count(log, Marker));

            await qmp.ExecuteAsync("""{"execute":"quit"}""", _cts.Token);
            Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(10), _cts.Token));
        }
    }

    [Fact]
    public async Task Console_socket_is_attachable_and_receives_guest_output()
    {
        var config = Config();
        await TestPaths.QemuImg.CreateAsync(config.BlockNodes[0].Path, DiskFormat.Qcow2, 16 << 20, null, _cts.Token);
        await using var qemus = new QemuProcesses();
        var handle = await qemus.LaunchAsync(config, _cts.Token);

        using var console = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await console.ConnectAsync(new UnixDomainSocketEndPoint(config.SerialConsole!.SocketPath), _cts.Token);
        await using (var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, _cts.Token))
        {
            await qmp.ExecuteAsync("""{"execute":"cont"}""", _cts.Token);
        }
        var received = new StringBuilder();
        var buffer = new byte[256];
        while (!received.ToString().Contains(Marker))
        {
            var n = await console.ReceiveAsync(buffer, _cts.Token);
            Assert.NotEqual(0, n);
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.True(handle.Kill(UnixSignal.Term));
        Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(10), _cts.Token));
    }

    private async Task<string> WaitForLogAsync(string path, int occurrences)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path, _cts.Token) : "";
            if (Count(text, Marker) >= occurrences || clock.Elapsed > TimeSpan.FromSeconds(20)) return text;
            await Task.Delay(50, _cts.Token);
        }
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}

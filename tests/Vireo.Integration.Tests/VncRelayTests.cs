using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>GET /v1/vms/{name}/vnc: the WebSocket relay to QEMU's VNC server on 127.0.0.1, over the API socket.</summary>
public sealed class VncRelayTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Relays_the_rfb_stream_both_ways_and_closes_when_the_vm_goes()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "idle", "--image", "tiny", "--graphics", "vnc");

        // A stopped VM: a proper HTTP refusal before any upgrade.
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(h, "idle"));
        Assert.Contains("409", refused.Message);

        await h.VireoOk("start", "idle");
        using var socket = await ConnectAsync(h, "idle");
        Assert.Equal("binary", socket.SubProtocol);
        // The server speaks first: the RFB version, as QEMU's VNC server sends it.
        var buffer = new byte[4096];
        var first = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Binary, first.MessageType);
        Assert.Equal("RFB 003.008\n", Encoding.ASCII.GetString(buffer, 0, first.Count));
        // Our answer reaches QEMU: it replies with its security types (count, then "None" = 1).
        await socket.SendAsync(Encoding.ASCII.GetBytes("RFB 003.008\n"), WebSocketMessageType.Binary, true, CancellationToken.None);
        var security = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.True(security.Count >= 2 && buffer[0] >= 1, $"unexpected security handshake: {Convert.ToHexString(buffer, 0, security.Count)}");
        Assert.Contains((byte)1, buffer[1..security.Count]);

        // The VM goes away: the relay closes the browser's side too.
        await h.VireoOk("destroy", "idle");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        WebSocketReceiveResult last;
        do
            last = await socket.ReceiveAsync(buffer, timeout.Token);
        while (last.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    private static async Task<ClientWebSocket> ConnectAsync(VireoHarness h, string vm)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(h.Socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        };
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("binary");
        try
        {
            using var invoker = new HttpMessageInvoker(handler);
            await socket.ConnectAsync(new Uri($"ws://localhost/v1/vms/{vm}/vnc"), invoker, CancellationToken.None);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

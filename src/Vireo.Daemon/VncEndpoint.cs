using System.Net.Sockets;
using System.Net.WebSockets;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// <c>GET /v1/vms/{name}/vnc</c>: relays a WebSocket (binary frames, what noVNC speaks) to the VM's VNC server,
/// which QEMU opens on 127.0.0.1 only. VNC never leaves the host except through this authenticated relay. Each
/// direction copies through one fixed 64 KiB buffer (a slow side stalls the other through TCP, nothing queues),
/// and the relay ends, closing both sides, as soon as either the browser or QEMU goes away.
/// </summary>
internal static class VncEndpoint
{
    private const int BufferBytes = 64 * 1024;

    public static async Task RelayAsync(HttpContext context, VmEngine engine, string name)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw new InvalidInputException("the VNC endpoint needs a WebSocket upgrade") { Hint = "Open it with a VNC client that speaks WebSocket (noVNC), or use the web UI's console." };
        var ct = context.RequestAborted;
        WebSocketRelay.KeepIdleOpen(context);
        var vm = engine.Get(name);
        if (vm.Runtime is null)
            throw new InvalidStateException($"VM \"{name}\" is not running, so it has no graphical console") { Hint = "Start the VM first." };
        if (vm.Runtime.VncPort is not { } port)
            throw new InvalidStateException($"VM \"{name}\" has no VNC display (its graphics type is \"{vm.Spec.Graphics.Type}\")") { Hint = "Set its graphics to vnc and restart it." };

        // Connect before accepting, so a VNC server that is gone answers a proper HTTP error.
        using var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, connectTimeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new QemuFailedException($"cannot connect to the VNC server of VM \"{name}\" on 127.0.0.1:{port}: {e.Message}");
        }
        var stream = tcp.GetStream();
        // noVNC asks for the "binary" subprotocol; answer it when offered (browsers reject an unrequested one).
        var protocol = context.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var toClient = PumpVncToClientAsync(stream, socket, done.Token);
        var toVnc = PumpClientToVncAsync(socket, stream, done.Token);
        var first = await Task.WhenAny(toClient, toVnc);
        if (first == toVnc)
        {
            // The browser went: stop reading VNC, and let the send in flight (if any) finish.
            tcp.Close();
            await Task.WhenAny(toClient, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }
        // Close the browser's side with a close frame before anything is cancelled: cancelling a pending WebSocket
        // receive aborts the socket, and the browser would see an abnormal closure instead of "VNC closed".
        try
        {
            if (toClient.IsCompleted && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure,
                    first == toClient ? "the VM's VNC server closed the connection" : "closed", closeTimeout.Token);
            }
            if (first == toClient)
                await Task.WhenAny(toVnc, Task.Delay(TimeSpan.FromSeconds(2), ct));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
        }
        await done.CancelAsync();
        tcp.Close();
        await Task.WhenAll(Quiet(toClient), Quiet(toVnc));
    }

    private static async Task PumpVncToClientAsync(NetworkStream vnc, WebSocket client, CancellationToken ct)
    {
        var buffer = new byte[BufferBytes];
        int read;
        while ((read = await vnc.ReadAsync(buffer, ct)) > 0)
            await client.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, ct);
    }

    private static async Task PumpClientToVncAsync(WebSocket client, NetworkStream vnc, CancellationToken ct)
    {
        var buffer = new byte[BufferBytes];
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return;
            await vnc.WriteAsync(buffer.AsMemory(0, result.Count), ct);
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }
}

/// <summary>What both WebSocket relays (serial console and VNC) need from Kestrel.</summary>
internal static class WebSocketRelay
{
    /// <summary>
    /// Over HTTP/2 (what browsers use on the TLS listener) a WebSocket is the body of a CONNECT request, and
    /// Kestrel's minimum request-body data rate (240 bytes/s after a 5 s grace) then aborted a console nobody typed
    /// into after a few seconds. A WebSocket may rightly stay silent for hours.
    /// </summary>
    public static void KeepIdleOpen(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } rate)
            rate.MinDataRate = null;
    }
}

using System.Net.WebSockets;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// Relays a VM's serial console over a WebSocket: the only way a console leaves the host, since QEMU's own
/// console socket is a Unix socket in the state directory.
/// </summary>
internal static class ConsoleEndpoint
{
    public static async Task RelayAsync(HttpContext context, VmEngine engine, string name, bool force)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw new InvalidInputException("the console endpoint needs a WebSocket upgrade") { Hint = $"Attach with: vireo console {name}" };
        var ct = context.RequestAborted;
        WebSocketRelay.KeepIdleOpen(context);
        // Attach before accepting, so a busy or stopped VM gets a proper HTTP error.
        await using var session = await engine.AttachConsoleAsync(name, force, ct);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct, session.Closed);

        var toClient = PumpGuestToClientAsync(session.Stream, socket, done.Token);
        var toGuest = PumpClientToGuestAsync(socket, session.Stream, done.Token);
        await Task.WhenAny(toClient, toGuest);
        await done.CancelAsync();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                var reason = session.Closed.IsCancellationRequested ? "console taken over by another client" : "console closed";
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, closeTimeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        await Task.WhenAll(Quiet(toClient), Quiet(toGuest));
    }

    private static async Task PumpGuestToClientAsync(Stream guest, WebSocket client, CancellationToken ct)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await guest.ReadAsync(buffer, ct)) > 0)
            await client.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, ct);
    }

    private static async Task PumpClientToGuestAsync(WebSocket client, Stream guest, CancellationToken ct)
    {
        var buffer = new byte[8192];
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return;
            await guest.WriteAsync(buffer.AsMemory(0, result.Count), ct);
            await guest.FlushAsync(ct);
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }
}

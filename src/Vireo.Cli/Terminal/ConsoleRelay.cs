using System.Net.WebSockets;

namespace Vireo.Cli.Terminal;

/// <summary>Why a console session ended.</summary>
internal enum RelayEnd
{
    /// <summary>The user typed the escape character (Ctrl+]).</summary>
    Detached,
    /// <summary>Piped mode: stdin reached EOF and the guest then stayed quiet for the idle time.</summary>
    InputDoneAndIdle,
    /// <summary>vireod closed the console (VM stopped, another client forced its way in, daemon exit).</summary>
    RemoteClosed,
}

/// <summary>Relays raw bytes between standard streams and a console WebSocket.</summary>
internal static class ConsoleRelay
{
    /// <summary>Ctrl+] — telnet's and virsh's escape character.</summary>
    public const byte EscapeByte = 0x1d;

    /// <summary>
    /// Interactive mode: stdin (a raw terminal) → guest until Ctrl+], guest → stdout until vireod closes.
    /// </summary>
    public static async Task<RelayEnd> RunInteractiveAsync(WebSocket socket, Stream stdin, Stream stdout, CancellationToken ct)
    {
        var receive = ReceiveAsync(socket, stdout, onData: null, ct);
        var send = SendUntilEscapeAsync(socket, stdin, ct);
        // A stdin read cannot be cancelled; when vireod closes first it is simply abandoned (the process exits).
        var first = await Task.WhenAny(receive, send).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return first == send && await send.ConfigureAwait(false) ? RelayEnd.Detached : RelayEnd.RemoteClosed;
    }

    /// <summary>
    /// Piped mode: all of stdin → guest, guest → stdout; ends once stdin is at EOF and the guest has sent nothing
    /// for <paramref name="idle"/> (so <c>echo cmd | vireo console vm</c> prints the answer and returns).
    /// </summary>
    public static async Task<RelayEnd> RunPipedAsync(WebSocket socket, Stream stdin, Stream stdout, TimeSpan idle,
        CancellationToken ct)
    {
        long lastActivity = Environment.TickCount64;
        var receive = ReceiveAsync(socket, stdout, () => Volatile.Write(ref lastActivity, Environment.TickCount64), ct,
            new TerminalQueryFilter());
        var send = SendAllAsync(socket, stdin, ct);

        var first = await Task.WhenAny(receive, send).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (first == receive)
            return RelayEnd.RemoteClosed;
        await send.ConfigureAwait(false);
        // The idle clock starts at EOF at the earliest: the guest has had no chance to answer the last line before.
        Volatile.Write(ref lastActivity, Math.Max(Volatile.Read(ref lastActivity), Environment.TickCount64));
        while (true)
        {
            long quietFor = Environment.TickCount64 - Volatile.Read(ref lastActivity);
            long remaining = (long)idle.TotalMilliseconds - quietFor;
            if (remaining <= 0)
                return RelayEnd.InputDoneAndIdle;
            if (await Task.WhenAny(receive, Task.Delay(TimeSpan.FromMilliseconds(remaining), ct)).ConfigureAwait(false) == receive)
                return RelayEnd.RemoteClosed;
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Says goodbye politely, but never waits long for a peer that has gone away.</summary>
    public static async Task CloseAsync(WebSocket socket, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer is gone already; nothing left to tell it.
        }
    }

    private static async Task ReceiveAsync(WebSocket socket, Stream stdout, Action? onData, CancellationToken ct,
        TerminalQueryFilter? filter = null)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                    return;
                if (result.Count == 0)
                    continue;
                var data = filter is null ? buffer.AsMemory(0, result.Count) : filter.Filter(buffer.AsSpan(0, result.Count));
                await stdout.WriteAsync(data, ct).ConfigureAwait(false);
                await stdout.FlushAsync(ct).ConfigureAwait(false);
                onData?.Invoke();
            }
        }
        catch (WebSocketException)
        {
            // Connection dropped without a close frame: same as a close for the user.
        }
    }

    private static async Task SendAllAsync(WebSocket socket, Stream stdin, CancellationToken ct)
    {
        var buffer = new byte[4096];
        int n;
        while ((n = await stdin.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (!await TrySendAsync(socket, buffer.AsMemory(0, n), ct).ConfigureAwait(false))
                return;
        }
    }

    /// <summary>Returns true when the user detached, false when the connection went away first.</summary>
    private static async Task<bool> SendUntilEscapeAsync(WebSocket socket, Stream stdin, CancellationToken ct)
    {
        var buffer = new byte[4096];
        int n;
        while ((n = await stdin.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            int escape = Array.IndexOf(buffer, EscapeByte, 0, n);
            int length = escape >= 0 ? escape : n;
            if (length > 0 && !await TrySendAsync(socket, buffer.AsMemory(0, length), ct).ConfigureAwait(false))
                return false;
            if (escape >= 0)
                return true;
        }
        // stdin closed (terminal hung up): nothing more to send, treat as a detach.
        return true;
    }

    private static async Task<bool> TrySendAsync(WebSocket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            await socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
            return true;
        }
        catch (WebSocketException)
        {
            return false;
        }
    }
}

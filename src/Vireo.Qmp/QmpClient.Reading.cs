using System.Net.Sockets;
using System.Text.Json;

namespace Vireo.Qmp;

public sealed partial class QmpClient
{
    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(_closing.Token);
                if (line is null)
                {
                    Close(new QmpDisconnectedException($"QEMU closed the monitor connection at {_endpoint} (the process exited)"));
                    return;
                }
                if (line.Length == 0)
                    continue;
                _options.Trace?.Invoke("<- " + line);
                Dispatch(line);
            }
        }
        catch (OperationCanceledException e)
        {
            Close(new QmpDisconnectedException($"the QEMU monitor connection to {_endpoint} was closed", e));
        }
        catch (QmpProtocolException e)
        {
            Close(e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            Close(new QmpDisconnectedException($"the QEMU monitor connection to {_endpoint} broke: {e.Message}", e));
        }
    }

    /// <summary>Routes one message: an event to the channel, a reply to the command with its id.</summary>
    private void Dispatch(string line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new QmpProtocolException($"malformed QMP message from {_endpoint}: {Truncate(line)}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new QmpProtocolException($"a QMP message must be a JSON object: {Truncate(line)}");
            if (root.TryGetProperty("event", out _))
            {
                _events.Writer.TryWrite(QmpEventParser.Parse(root));
                return;
            }
            // Replies without an id answer input QEMU could not parse; nothing of ours is waiting for them.
            if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id))
                return;
            // A missing entry is a late reply to a command that already timed out.
            if (!_pending.TryGetValue(id, out var pending))
                return;
            if (root.TryGetProperty("return", out var result))
                pending.Reply.TrySetResult(result.Clone());
            else if (root.TryGetProperty("error", out var error))
                pending.Reply.TrySetException(new QmpCommandException(pending.Name,
                    error.TryGetProperty("class", out var c) ? c.GetString() ?? "GenericError" : "GenericError",
                    error.TryGetProperty("desc", out var d) ? d.GetString() ?? "" : ""));
            else
                throw new QmpProtocolException($"a QMP reply has neither return nor error: {Truncate(line)}");
        }
    }

    /// <summary>Ends the connection once: fails pending commands, completes the event stream, signals Disconnected.</summary>
    private void Close(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
            return;
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        var failure = reason as QmpException ?? new QmpDisconnectedException(reason.Message, reason);
        foreach (var pending in _pending.Values)
            pending.Reply.TrySetException(failure);
        _events.Writer.TryComplete();
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        _disconnected.TrySetResult();
    }
}

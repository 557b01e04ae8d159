using System.Text.Json;

namespace Vireo.Qmp;

public sealed partial class QmpClient
{
    /// <summary>Owns the read side: every message is dispatched from here, and the connection is closed only here.</summary>
    private async Task ReadLoopAsync()
    {
        Exception? cause = null;
        try
        {
            while (await _reader.ReadAsync(_lifetime.Token).ConfigureAwait(false) is { } message)
            {
                Dispatch(message);
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            cause = Volatile.Read(ref _closeCause);
        }
        catch (Exception ex)
        {
            // EOF, ECONNRESET (QEMU exiting right after 'quit' resets the socket), malformed JSON: all end the connection.
            cause = ex;
        }
        finally
        {
            CloseConnection(cause);
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            _trace?.Invoke($"QMP ignored a top-level {message.ValueKind} (not a message)");
            return;
        }

        if (message.TryGetProperty("event", out var eventName))
        {
            if (eventName.ValueKind == JsonValueKind.String)
            {
                var parsed = QmpEventParser.Parse(eventName.GetString()!, message, _trace);
                if (parsed is JobStatusChangeEvent)
                    PulseJobChange();
                _events.Writer.TryWrite(parsed);
            }
            else
            {
                _trace?.Invoke("QMP ignored an event whose name is not a string");
            }

            return;
        }

        var isReturn = message.TryGetProperty("return", out var result);
        var isError = message.TryGetProperty("error", out var error);
        if (!isReturn && !isError)
        {
            _trace?.Invoke("QMP ignored a message that is neither a reply nor an event");
            return;
        }

        if (!message.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.Number
            || !idElement.TryGetInt64(out var id))
        {
            // QEMU omits the id only when it could not parse the command, which this client never sends.
            _trace?.Invoke("QMP ignored a reply that carries no id of ours");
            return;
        }

        if (_pending.Take(id) is not { } call)
        {
            _trace?.Invoke($"QMP dropped the late reply to command #{id} (it timed out or was cancelled)");
            return;
        }

        if (isError)
        {
            call.Completion.TrySetException(ToCommandException(call.CommandName, error));
        }
        else
        {
            call.Completion.TrySetResult(result);
        }
    }

    private static QmpCommandException ToCommandException(string commandName, JsonElement error)
    {
        string? Text(string member) =>
            error.ValueKind == JsonValueKind.Object && error.TryGetProperty(member, out var value)
            && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        return new QmpCommandException(commandName, Text("class") ?? QmpErrorClass.GenericError, Text("desc") ?? error.GetRawText());
    }

    /// <summary>Asks the read loop to end the connection; the first cause given wins.</summary>
    private void RequestClose(Exception? cause)
    {
        if (cause is not null)
        {
            Interlocked.CompareExchange(ref _closeCause, cause, null);
        }

        try
        {
            _lifetime.Cancel();
        }
        catch (AggregateException)
        {
            // Callbacks registered on the lifetime token belong to in-flight I/O; their failures surface there.
        }
    }

    /// <summary>Fails pending and later calls, completes <see cref="Events"/> and <see cref="Disconnected"/>.</summary>
    private void CloseConnection(Exception? cause)
    {
        if (_disconnected.Task.IsCompleted)
        {
            return;
        }

        // Writers check the lifetime token before writing, so nothing is reported as sent once the stream is gone.
        RequestClose(null);
        var protocolError = cause as QmpProtocolException;
        _pending.Close(call => protocolError is not null
            ? new QmpProtocolException(protocolError.Message, protocolError)
            : new QmpDisconnectedException(call.CommandName, call.WasSent, cause));
        _events.Writer.TryComplete();
        PulseJobChange();
        DisposeStreamQuietly();
        _trace?.Invoke(cause is null or OperationCanceledException
            ? "QMP connection closed"
            : $"QMP connection closed: {cause.GetType().Name}: {cause.Message}");
        _disconnected.TrySetResult();
    }

    private void DisposeStreamQuietly()
    {
        try
        {
            _stream.Dispose();
        }
        catch (Exception)
        {
            // The connection is being torn down; a failing close has nothing left to report to.
        }
    }
}

using System.Text.Json;

namespace Vireo.Qmp;

/// <summary>A command waiting for its reply.</summary>
internal sealed class PendingCall(long id, string commandName)
{
    private volatile bool _writing;

    public long Id { get; } = id;

    public string CommandName { get; } = commandName;

    /// <summary>Completed by the reader loop; continuations run off the reader loop so it never blocks on callers.</summary>
    public TaskCompletionSource<JsonElement> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Set just before the first byte is written (not after the write returns): QEMU can act on <c>quit</c> and close
    /// the socket before the writing thread runs again, and the reader loop must already know the command went out.
    /// </summary>
    public bool WasSent => _writing;

    public void MarkWriting() => _writing = true;
}

/// <summary>
/// The commands in flight, keyed by the <c>id</c> they were sent with. Ids come from a counter and are never reused,
/// so a late reply to a command that timed out is recognised and dropped instead of answering a newer command.
/// </summary>
internal sealed class PendingCallTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, PendingCall> _calls = [];
    private long _lastId;
    private Func<PendingCall, Exception>? _closedError;

    /// <summary>Adds a call with a fresh id; once the table is closed the call fails at once with the close error.</summary>
    public PendingCall Register(string commandName)
    {
        lock (_gate)
        {
            var call = new PendingCall(++_lastId, commandName);
            if (_closedError is not null)
            {
                call.Completion.TrySetException(_closedError(call));
                return call;
            }

            _calls.Add(call.Id, call);
            return call;
        }
    }

    /// <summary>Removes and returns the call with this id, or <c>null</c> when none is waiting (timed out, cancelled).</summary>
    public PendingCall? Take(long id)
    {
        lock (_gate)
        {
            return _calls.Remove(id, out var call) ? call : null;
        }
    }

    /// <summary>Forgets a call that gave up waiting.</summary>
    public void Remove(long id)
    {
        lock (_gate)
        {
            _calls.Remove(id);
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>Fails every waiting call, and every later one, with the error <paramref name="error"/> builds for it.</summary>
    public void Close(Func<PendingCall, Exception> error)
    {
        PendingCall[] waiting;
        lock (_gate)
        {
            if (_closedError is not null)
            {
                return;
            }

            _closedError = error;
            waiting = [.. _calls.Values];
            _calls.Clear();
        }

        foreach (var call in waiting)
        {
            call.Completion.TrySetException(error(call));
        }
    }
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Operations;

/// <summary>
/// Long operations (volume import, convert, clone; later backups): each runs in the background with a progress
/// fraction, can be cancelled, and is kept for <see cref="Retention"/> after it ends so that a client that polls
/// late still learns how it ended. Thread-safe.
/// </summary>
public sealed class OperationRegistry : IAsyncDisposable
{
    /// <summary>How long a finished operation stays visible.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public OperationRegistry(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>
    /// Turns a failure into the error body clients see. The daemon sets its HTTP mapping here; the default keeps
    /// the engine's code and message.
    /// </summary>
    public Func<Exception, ApiError> DescribeError { get; set; } = DefaultDescribe;

    /// <summary>
    /// Told when an operation starts, moves on (at most every <see cref="ProgressInterval"/>) and ends, with its
    /// snapshot; called on the worker's thread, so it must not block.
    /// </summary>
    public Action<OperationInfo>? Changed { get; set; }

    /// <summary>The shortest time between two progress reports to <see cref="Changed"/>.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Starts <paramref name="work"/> in the background. It reports progress as a fraction and must honour its token;
    /// an <see cref="OperationCanceledException"/> after <see cref="Cancel"/> ends it as cancelled.
    /// </summary>
    public OperationInfo Start(string kind, string target, Func<IProgress<double>, CancellationToken, Task<JsonNode?>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Prune();
        var entry = new Entry(Guid.NewGuid().ToString("N")[..16], kind, target, _time.GetUtcNow(), this);
        _entries[entry.Id] = entry;
        Notify(entry.Snapshot());
        entry.Task = Task.Run(() => RunAsync(entry, work));
        return entry.Snapshot();
    }

    /// <summary>
    /// Lists an operation a killed vireod left unfinished and this one completed or rolled back at start-up
    /// (<see cref="OperationStatus.Completed"/> or <see cref="OperationStatus.RolledBack"/>), with what was done.
    /// </summary>
    public OperationInfo Recovered(string kind, string target, OperationStatus status, string note, DateTimeOffset startedAt)
    {
        var entry = new Entry(Guid.NewGuid().ToString("N")[..16], kind, target, startedAt, this) { Task = Task.CompletedTask };
        _entries[entry.Id] = entry;
        entry.End(status, null, new JsonObject { ["recovery"] = note }, _time.GetUtcNow());
        return entry.Snapshot();
    }

    /// <summary>Running operations and those that ended within <see cref="Retention"/>, oldest first.</summary>
    public IReadOnlyList<OperationInfo> List()
    {
        Prune();
        return _entries.Values.Select(e => e.Snapshot()).OrderBy(o => o.StartedAt).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
    }

    public OperationInfo Get(string id) => Find(id).Snapshot();

    /// <summary>Asks a running operation to stop; returns at once (see <see cref="WaitAsync"/>). A finished one is returned as it is.</summary>
    public OperationInfo Cancel(string id)
    {
        var entry = Find(id);
        entry.RequestCancel();
        return entry.Snapshot();
    }

    /// <summary>Returns when the operation has ended or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task<OperationInfo> WaitAsync(string id, TimeSpan timeout, CancellationToken ct)
    {
        var entry = Find(id);
        if (timeout > TimeSpan.Zero && entry.Task is { IsCompleted: false } task)
        {
            try
            {
                await task.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
        return entry.Snapshot();
    }

    /// <summary>Completes when the operation has ended (never faults); see <see cref="WaitAsync"/> for a bounded wait.</summary>
    public Task Completion(string id) => Find(id).Task ?? Task.CompletedTask;

    /// <summary>
    /// Drops an operation that has ended, as if it had never been started: for a request whose work refused its
    /// input before it began (the request itself then fails with that error instead).
    /// </summary>
    public void Forget(string id)
    {
        if (_entries.TryGetValue(id, out var entry) && entry.Task is { IsCompleted: true })
            _entries.TryRemove(id, out _);
    }

    /// <summary>Cancels every running operation and waits for each to clean up after itself.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _entries.Values)
            entry.RequestCancel();
        await Task.WhenAll(_entries.Values.Select(e => e.Task ?? Task.CompletedTask)).ConfigureAwait(false);
    }

    private async Task RunAsync(Entry entry, Func<IProgress<double>, CancellationToken, Task<JsonNode?>> work)
    {
        try
        {
            var result = await work(entry, entry.Token).ConfigureAwait(false);
            entry.End(OperationStatus.Succeeded, null, result, _time.GetUtcNow());
        }
        catch (OperationCanceledException) when (entry.Token.IsCancellationRequested)
        {
            entry.End(OperationStatus.Cancelled, null, null, _time.GetUtcNow());
        }
        catch (Exception e)
        {
            entry.End(OperationStatus.Failed, DescribeError(e), null, _time.GetUtcNow());
        }
    }

    private void Notify(OperationInfo info)
    {
        try
        {
            Changed?.Invoke(info);
        }
        catch (Exception)
        {
            // An observer's failure is never the operation's.
        }
    }

    private Entry Find(string id) =>
        _entries.TryGetValue(id, out var entry) ? entry : throw new OperationNotFoundException(id);

    private void Prune()
    {
        var cutoff = _time.GetUtcNow() - Retention;
        foreach (var (id, entry) in _entries)
        {
            if (entry.EndedBefore(cutoff))
                _entries.TryRemove(id, out _);
        }
    }

    private static ApiError DefaultDescribe(Exception e) => e is VireoException v
        ? new ApiError { Code = v.Code, Title = v.Code, Detail = v.Message, Errors = v.FieldErrors }
        : new ApiError { Code = ErrorCodes.Internal, Title = "internal error", Detail = $"{e.GetType().Name}: {e.Message}" };

    /// <summary>One operation; also its own progress sink (a plain field write, no synchronisation context).</summary>
    private sealed class Entry(string id, string kind, string target, DateTimeOffset startedAt, OperationRegistry owner) : IProgress<double>
    {
        private long _lastNotified;
        private readonly CancellationTokenSource _cts = new();
        private readonly object _gate = new();
        private double _progress;
        private OperationStatus _status = OperationStatus.Running;
        private ApiError? _error;
        private JsonNode? _result;
        private DateTimeOffset? _endedAt;
        private bool _cancelRequested;

        public string Id { get; } = id;
        public Task? Task { get; set; }
        public CancellationToken Token => _cts.Token;

        public void Report(double value)
        {
            lock (_gate)
            {
                if (_status != OperationStatus.Running)
                    return;
                _progress = Math.Max(_progress, Math.Clamp(value, 0, 1));
                var now = owner._time.GetTimestamp();
                if (owner.Changed is null || owner._time.GetElapsedTime(_lastNotified, now) < ProgressInterval)
                    return;
                _lastNotified = now;
            }
            owner.Notify(Snapshot());
        }

        public void RequestCancel()
        {
            lock (_gate)
            {
                if (_status != OperationStatus.Running)
                    return;
                _cancelRequested = true;
            }
            _cts.Cancel();
        }

        public void End(OperationStatus status, ApiError? error, JsonNode? result, DateTimeOffset at)
        {
            lock (_gate)
            {
                _status = status;
                _error = error;
                _result = result;
                _endedAt = at;
                if (status == OperationStatus.Succeeded)
                    _progress = 1;
            }
            owner.Notify(Snapshot());
        }

        public bool EndedBefore(DateTimeOffset cutoff)
        {
            lock (_gate)
                return _endedAt is { } ended && ended < cutoff;
        }

        public OperationInfo Snapshot()
        {
            lock (_gate)
            {
                return new OperationInfo
                {
                    Id = Id,
                    Kind = kind,
                    Target = target,
                    Status = _status,
                    Progress = _progress,
                    Error = _error,
                    // A copy: the caller serialises it outside the lock and a JsonNode has one parent.
                    Result = _result?.DeepClone(),
                    CancelRequested = _cancelRequested,
                    StartedAt = startedAt,
                    EndedAt = _endedAt,
                };
            }
        }
    }
}

/// <summary>No operation has that id (it never existed or ended more than ten minutes ago).</summary>
public sealed class OperationNotFoundException : VireoException
{
    public OperationNotFoundException(string id)
        : base(ErrorCodes.NotFound, $"operation \"{id}\" does not exist (finished operations are kept for ten minutes)") =>
        Hint = "List the operations: vireo operation list (GET /v1/operations)";
}

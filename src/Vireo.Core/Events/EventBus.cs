using Vireo.Contracts;

namespace Vireo.Core.Events;

/// <summary>
/// vireod's one stream of events (<c>GET /v1/events</c>): every change the engine makes is published here, numbered,
/// kept in a small ring for clients that reconnect, and offered to each subscriber's bounded queue. Publishing never
/// waits: a subscriber whose queue is full is dropped (it reads what was queued, then one <c>overflow</c> event,
/// then its stream ends). Thread-safe.
/// </summary>
public sealed class EventBus
{
    /// <summary>Events kept for clients that reconnect with Last-Event-ID.</summary>
    public const int DefaultRingSize = 1024;

    /// <summary>Events one subscriber may have waiting before it is dropped.</summary>
    public const int DefaultQueueSize = 256;

    private readonly Lock _gate = new();
    private readonly VireoEvent[] _ring;
    private readonly TimeProvider _time;
    private readonly List<EventSubscription> _subscribers = [];
    private int _ringStart;
    private int _ringCount;
    private long _seq;
    private long _dropped;

    /// <param name="ringSize">Events kept for replay.</param>
    /// <param name="time">The clock (tests).</param>
    /// <param name="firstSeq">
    /// The number of the first event; by default vireod's start time in microseconds since the Unix epoch, so that
    /// numbers keep growing across restarts and a client reconnecting with an id from an earlier run learns it missed
    /// events instead of being replayed the wrong ones.
    /// </param>
    public EventBus(int ringSize = DefaultRingSize, TimeProvider? time = null, long? firstSeq = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ringSize, 1);
        _ring = new VireoEvent[ringSize];
        _time = time ?? TimeProvider.System;
        _seq = (firstSeq ?? _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000) - 1;
    }

    /// <summary>Clients reading the stream now.</summary>
    public int SubscriberCount
    {
        get { lock (_gate) return _subscribers.Count; }
    }

    /// <summary>The number of the last event published (one less than the first before any).</summary>
    public long LastSeq
    {
        get { lock (_gate) return _seq; }
    }

    /// <summary>Subscribers dropped because they read too slowly, since vireod started.</summary>
    public long DroppedSubscribers => Interlocked.Read(ref _dropped);

    /// <summary>Numbers, timestamps, keeps and delivers <paramref name="e"/>; returns it as delivered. Never blocks on a reader.</summary>
    public VireoEvent Publish(VireoEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate)
        {
            var published = e with { Seq = ++_seq, Time = _time.GetUtcNow() };
            if (_ringCount < _ring.Length)
            {
                _ring[(_ringStart + _ringCount) % _ring.Length] = published;
                _ringCount++;
            }
            else
            {
                _ring[_ringStart] = published;
                _ringStart = (_ringStart + 1) % _ring.Length;
            }
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Offer(published))
                {
                    _subscribers.RemoveAt(i);
                    Interlocked.Increment(ref _dropped);
                }
            }
            return published;
        }
    }

    /// <summary>
    /// Starts delivering events that <paramref name="filter"/> accepts. With <paramref name="lastSeq"/> (the
    /// Last-Event-ID a reconnecting client sends), first the kept events after it; when some it missed are no longer
    /// kept (or it comes from an earlier run of vireod), an <c>overflow</c> event says so first.
    /// </summary>
    public EventSubscription Subscribe(EventFilter? filter = null, long? lastSeq = null, int queueSize = DefaultQueueSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueSize, 1);
        filter ??= EventFilter.All;
        lock (_gate)
        {
            var replay = new List<VireoEvent>();
            if (lastSeq is { } last && last < _seq)
            {
                var oldest = _ringCount == 0 ? _seq + 1 : _ring[_ringStart].Seq;
                if (last < oldest - 1)
                {
                    replay.Add(new VireoEvent
                    {
                        Seq = last,
                        Time = _time.GetUtcNow(),
                        Type = EventTypes.Overflow,
                        Message = $"events after {last} are no longer kept (the oldest kept is {oldest}); read the current state again",
                    });
                }
                for (var i = 0; i < _ringCount; i++)
                {
                    var kept = _ring[(_ringStart + i) % _ring.Length];
                    if (kept.Seq > last && filter.Accepts(kept))
                        replay.Add(kept);
                }
            }
            var subscription = new EventSubscription(this, filter, queueSize, replay, _seq, _time);
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(EventSubscription subscription)
    {
        lock (_gate)
            _subscribers.Remove(subscription);
    }
}

/// <summary>Which events a subscriber wants: one VM's, and/or types that start with a prefix (<c>vm.</c>, <c>operation</c>).</summary>
public sealed record EventFilter(string? Vm = null, string? TypePrefix = null)
{
    public static readonly EventFilter All = new();

    public bool Accepts(VireoEvent e) =>
        e.Type == EventTypes.Overflow
        || ((Vm is null || string.Equals(e.Vm, Vm, StringComparison.Ordinal))
            && (TypePrefix is null || e.Type.StartsWith(TypePrefix, StringComparison.Ordinal)));
}

/// <summary>
/// One reader of the <see cref="EventBus"/>: a bounded queue filled by the bus and drained by
/// <see cref="TryRead"/> / <see cref="WaitAsync"/>. Dispose it when the client goes away.
/// </summary>
public sealed class EventSubscription : IDisposable
{
    private readonly EventBus _bus;
    private readonly EventFilter _filter;
    private readonly TimeProvider _time;
    private readonly Queue<VireoEvent> _queue;
    private readonly int _limit;
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastOffered;
    private bool _overflowed;
    private bool _ended;

    internal EventSubscription(EventBus bus, EventFilter filter, int queueSize, List<VireoEvent> replay, long lastSeq, TimeProvider time)
    {
        _bus = bus;
        _filter = filter;
        _time = time;
        _queue = new Queue<VireoEvent>(replay);
        // A replay may be longer than the queue: the client gets all of it, plus room for as many live events.
        _limit = queueSize + replay.Count;
        _lastOffered = lastSeq;
    }

    /// <summary>True once the stream is over: the overflow event was read, or the subscription was disposed.</summary>
    public bool Ended
    {
        get { lock (_gate) return _ended && _queue.Count == 0; }
    }

    /// <summary>Called by the bus under its lock; false when this subscriber overflowed and must be dropped.</summary>
    internal bool Offer(VireoEvent e)
    {
        lock (_gate)
        {
            if (_overflowed || _ended)
                return false;
            if (!_filter.Accepts(e))
                return true;
            if (_queue.Count >= _limit)
            {
                _overflowed = true;
                _queue.Enqueue(new VireoEvent
                {
                    Seq = _lastOffered,
                    Time = _time.GetUtcNow(),
                    Type = EventTypes.Overflow,
                    Message = $"this client read events too slowly: more than {_limit} were waiting, so it was disconnected; read the current state again and reconnect",
                });
                Wake();
                return false;
            }
            _lastOffered = e.Seq;
            _queue.Enqueue(e);
            Wake();
            return true;
        }
    }

    /// <summary>The next event when one is waiting.</summary>
    public bool TryRead(out VireoEvent? e)
    {
        lock (_gate)
        {
            if (_queue.TryDequeue(out e))
            {
                if (_overflowed && _queue.Count == 0)
                    _ended = true;
                return true;
            }
            return false;
        }
    }

    /// <summary>Completes when an event is waiting or the stream has ended (true), or after <paramref name="timeout"/> (false).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        Task signal;
        lock (_gate)
        {
            if (_queue.Count > 0 || _ended)
                return true;
            signal = _signal.Task;
        }
        try
        {
            await signal.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Reads until the stream ends or <paramref name="ct"/> is cancelled.</summary>
    public async IAsyncEnumerable<VireoEvent> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        while (!ct.IsCancellationRequested)
        {
            while (TryRead(out var e))
                yield return e!;
            if (Ended)
                yield break;
            await WaitAsync(Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _ended = true;
            _queue.Clear();
            Wake();
        }
        _bus.Unsubscribe(this);
    }

    private void Wake()
    {
        var previous = _signal;
        _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}

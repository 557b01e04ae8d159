using System.Net;

namespace Vireo.Daemon;

/// <summary>
/// Failed logins per remote address in a sliding window: past <see cref="Limit"/> failures in <see cref="Window"/>,
/// each further failure is answered 429 until the oldest failure leaves the window. Requests with a valid token are
/// never held back (the secrets are 256 bits: the limit is against noise and load, not guessing).
/// </summary>
internal sealed class LoginThrottle(TimeProvider time, int limit = 10, TimeSpan? window = null)
{
    private readonly Dictionary<IPAddress, Queue<DateTimeOffset>> _failures = new();

    public int Limit { get; } = limit;
    public TimeSpan Window { get; } = window ?? TimeSpan.FromMinutes(1);

    /// <summary>Records a failure; returns how long to wait when it is beyond the limit, else null.</summary>
    public TimeSpan? Fail(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_failures)
        {
            if (_failures.Count > 10_000)
                Sweep(now);
            if (!_failures.TryGetValue(address, out var queue))
                _failures[address] = queue = new Queue<DateTimeOffset>();
            Expire(queue, now);
            queue.Enqueue(now);
            if (queue.Count <= Limit)
                return null;
            var wait = queue.Peek() + Window - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        }
    }

    private void Expire(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && queue.Peek() + Window <= now)
            queue.Dequeue();
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (address, queue) in _failures.ToList())
        {
            Expire(queue, now);
            if (queue.Count == 0)
                _failures.Remove(address);
        }
    }
}

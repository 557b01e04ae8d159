using System.Threading.Channels;

namespace Vireo.Qmp.Tests;

internal static class TestExtensions
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Reads events until one of type <typeparamref name="T"/> arrives (skipping others); fails after a timeout.</summary>
    public static async Task<T> WaitForEventAsync<T>(this ChannelReader<QmpEvent> events, TimeSpan? timeout = null)
        where T : QmpEvent
    {
        using var cts = new CancellationTokenSource(timeout ?? Patience);
        try
        {
            await foreach (var e in events.ReadAllAsync(cts.Token))
            {
                if (e is T wanted)
                {
                    return wanted;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {typeof(T).Name} within {timeout ?? Patience}");
        }

        throw new InvalidOperationException($"The event stream completed before a {typeof(T).Name} arrived");
    }

    /// <summary>Reads exactly one event, failing after a timeout.</summary>
    public static async Task<QmpEvent> ReadOneAsync(this ChannelReader<QmpEvent> events)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await events.ReadAsync(cts.Token);
    }

    /// <summary>Awaits a task with a timeout so a broken client fails the test instead of hanging it.</summary>
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Patience);

    public static Task Within(this Task task) => task.WaitAsync(Patience);
}

using Vireo.Contracts;
using Vireo.Core.Events;
using Vireo.Core.Operations;

namespace Vireo.Core.Tests.Events;

public sealed class EventBusTests
{
    private static VireoEvent Vm(string vm, string state = "running") => new() { Type = EventTypes.VmState, Vm = vm, State = state };

    private static List<VireoEvent> Drain(EventSubscription s)
    {
        var list = new List<VireoEvent>();
        while (s.TryRead(out var e))
            list.Add(e!);
        return list;
    }

    [Fact]
    public void Events_arrive_in_order_with_consecutive_numbers()
    {
        var bus = new EventBus(firstSeq: 1);
        using var s = bus.Subscribe();
        for (var i = 0; i < 100; i++)
            bus.Publish(Vm($"vm{i}"));
        var got = Drain(s);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), got.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"vm{i}"), got.Select(e => e.Vm));
        Assert.Equal(100, bus.LastSeq);
    }

    [Fact]
    public async Task Concurrent_publishers_give_every_subscriber_the_same_strictly_increasing_sequence()
    {
        var bus = new EventBus(firstSeq: 1);
        using var a = bus.Subscribe(queueSize: 10_000);
        using var b = bus.Subscribe(queueSize: 10_000);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
                bus.Publish(Vm($"t{t}"));
        })));
        var first = Drain(a).Select(e => e.Seq).ToList();
        var second = Drain(b).Select(e => e.Seq).ToList();
        Assert.Equal(4000, first.Count);
        Assert.Equal(Enumerable.Range(1, 4000).Select(i => (long)i), first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Filters_keep_one_vm_and_a_type_prefix()
    {
        var bus = new EventBus(firstSeq: 1);
        using var web = bus.Subscribe(new EventFilter(Vm: "web1"));
        using var ops = bus.Subscribe(new EventFilter(TypePrefix: "operation"));
        bus.Publish(Vm("web1"));
        bus.Publish(Vm("db1"));
        bus.Publish(new VireoEvent { Type = EventTypes.OperationDone, Operation = "x", State = "succeeded" });
        bus.Publish(new VireoEvent { Type = EventTypes.VmChanged, Vm = "web1" });
        Assert.Equal([EventTypes.VmState, EventTypes.VmChanged], Drain(web).Select(e => e.Type));
        Assert.Equal([EventTypes.OperationDone], Drain(ops).Select(e => e.Type));
    }

    [Fact]
    public async Task A_slow_subscriber_is_dropped_with_a_final_overflow_event_and_never_blocks_the_publisher()
    {
        var bus = new EventBus(firstSeq: 1);
        using var slow = bus.Subscribe(queueSize: 4);
        using var fast = bus.Subscribe(queueSize: 1000);
        var publishing = Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
                bus.Publish(Vm($"vm{i}"));
        });
        // Nobody reads `slow` while 50 events go out: publishing must finish anyway.
        await publishing.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, bus.SubscriberCount);
        Assert.Equal(1, bus.DroppedSubscribers);

        var got = Drain(slow);
        Assert.Equal([1L, 2, 3, 4], got.Take(4).Select(e => e.Seq));
        Assert.Equal(EventTypes.Overflow, got[^1].Type);
        Assert.Equal(5, got.Count);
        Assert.Equal(4, got[^1].Seq);
        Assert.True(slow.Ended);
        Assert.True(await slow.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None));

        bus.Publish(Vm("after"));
        Assert.Empty(Drain(slow));
        Assert.Equal(51, Drain(fast).Count);
    }

    [Fact]
    public void Reconnecting_with_Last_Event_ID_replays_what_was_missed()
    {
        var bus = new EventBus(ringSize: 16, firstSeq: 1);
        for (var i = 0; i < 10; i++)
            bus.Publish(Vm($"vm{i}"));
        using var resumed = bus.Subscribe(lastSeq: 7);
        bus.Publish(Vm("live"));
        var got = Drain(resumed);
        Assert.Equal([8L, 9, 10, 11], got.Select(e => e.Seq));
        Assert.Equal("live", got[^1].Vm);

        using var current = bus.Subscribe(lastSeq: 11);
        Assert.Empty(Drain(current));
        using var fresh = bus.Subscribe();
        Assert.Empty(Drain(fresh));
    }

    [Fact]
    public void A_replay_applies_the_filter()
    {
        var bus = new EventBus(firstSeq: 1);
        bus.Publish(Vm("a"));
        bus.Publish(Vm("b"));
        bus.Publish(Vm("a", "stopped"));
        using var s = bus.Subscribe(new EventFilter(Vm: "a"), lastSeq: 0);
        Assert.Equal([1L, 3], Drain(s).Select(e => e.Seq));
    }

    [Fact]
    public void Reconnecting_after_the_ring_moved_on_says_so_with_an_overflow_first()
    {
        var bus = new EventBus(ringSize: 4, firstSeq: 1);
        for (var i = 0; i < 10; i++)
            bus.Publish(Vm($"vm{i}"));
        using var s = bus.Subscribe(lastSeq: 2);
        var got = Drain(s);
        Assert.Equal(EventTypes.Overflow, got[0].Type);
        Assert.Contains("no longer kept", got[0].Message);
        Assert.Equal([7L, 8, 9, 10], got.Skip(1).Select(e => e.Seq));
        Assert.False(s.Ended);
    }

    [Fact]
    public void An_id_from_an_earlier_run_of_vireod_is_older_than_every_new_event()
    {
        var earlier = new EventBus(firstSeq: null);
        var old = earlier.Publish(Vm("x")).Seq;
        Thread.Sleep(5);
        var later = new EventBus(firstSeq: null);
        later.Publish(Vm("y"));
        Assert.True(later.LastSeq > old);
        using var s = later.Subscribe(lastSeq: old);
        var got = Drain(s);
        Assert.Equal(EventTypes.Overflow, got[0].Type);
        Assert.Equal("y", got[1].Vm);
    }

    [Fact]
    public async Task ReadAll_waits_for_events_and_ends_after_an_overflow()
    {
        var bus = new EventBus(firstSeq: 1);
        using var s = bus.Subscribe(queueSize: 2);
        var reader = Task.Run(async () =>
        {
            var list = new List<VireoEvent>();
            await foreach (var e in s.ReadAllAsync())
                list.Add(e);
            return list;
        });
        await Task.Delay(50);
        Assert.False(reader.IsCompleted);
        bus.Publish(Vm("a"));
        bus.Publish(Vm("b"));
        bus.Publish(Vm("c"));
        bus.Publish(Vm("d"));
        var got = await reader.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(EventTypes.Overflow, got[^1].Type);
        Assert.True(got.Count >= 2);
    }

    [Fact]
    public async Task Wait_times_out_on_a_quiet_bus_and_wakes_on_an_event()
    {
        var bus = new EventBus(firstSeq: 1);
        using var s = bus.Subscribe();
        Assert.False(await s.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
        var waiting = s.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        bus.Publish(Vm("a"));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_disposed_subscription_leaves_the_bus()
    {
        var bus = new EventBus(firstSeq: 1);
        var s = bus.Subscribe();
        Assert.Equal(1, bus.SubscriberCount);
        s.Dispose();
        Assert.Equal(0, bus.SubscriberCount);
        Assert.True(s.Ended);
    }

    [Fact]
    public async Task Operations_report_start_throttled_progress_and_end()
    {
        var seen = new List<OperationInfo>();
        await using var ops = new OperationRegistry();
        ops.Changed = info => { lock (seen) seen.Add(info); };
        var op = ops.Start("test", "pool/vol", async (progress, ct) =>
        {
            for (var i = 1; i <= 100; i++)
                progress.Report(i / 100.0);
            await Task.Yield();
            return null;
        });
        await ops.Completion(op.Id);
        List<OperationInfo> copy;
        lock (seen) copy = [.. seen];
        Assert.Equal(OperationStatus.Running, copy[0].Status);
        Assert.Equal(0, copy[0].Progress);
        Assert.Equal(OperationStatus.Succeeded, copy[^1].Status);
        Assert.Equal(1, copy[^1].Progress);
        // 100 reports within a few ms: at most one of them goes out (each 500 ms at most).
        Assert.InRange(copy.Count, 2, 3);
    }
}

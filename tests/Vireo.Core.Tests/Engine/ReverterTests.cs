using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

/// <summary>The engine's one undo mechanism: what runs, in which order, and what the caller sees.</summary>
[Trait("Category", "Reliability")]
public sealed class ReverterTests
{
    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
                Lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }

    /// <summary>Three steps, the third fails: the two undos run newest first, and the step's own error reaches the caller.</summary>
    [Fact]
    public async Task A_failed_step_undoes_the_earlier_steps_newest_first()
    {
        var host = new List<string>();
        var undone = new List<string>();
        Reverter? seen = null;
        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await using var revert = new Reverter("test-op");
            seen = revert;
            revert.Step("tap");
            host.Add("tap");
            revert.Add("tap", () => { host.Remove("tap"); undone.Add("tap"); });
            revert.Step("netdev");
            host.Add("netdev");
            revert.Add("netdev", async _ => { await Task.Yield(); host.Remove("netdev"); undone.Add("netdev"); });
            revert.Step("device");
            throw new IOException("device_add refused");
        });
        Assert.Equal("device_add refused", error.Message);
        Assert.Empty(host);
        Assert.Equal(["netdev", "tap"], undone);
        Assert.Equal(["netdev", "tap"], seen!.Undone);
        ReliabilityReport.Record("undo", "reverter: a step fails after two host changes",
            $"both undone, newest first ({string.Join(", ", undone)}); the caller saw the step's own error");
    }

    [Fact]
    public async Task Success_commits_and_nothing_is_undone()
    {
        var undone = 0;
        await using (var revert = new Reverter("test-op"))
        {
            revert.Add("a", () => undone++);
            revert.Add("b", _ => { undone++; return Task.CompletedTask; });
            revert.Success();
            Assert.Empty(revert.Pending);
        }
        Assert.Equal(0, undone);
    }

    /// <summary>An undo that throws is logged; the ones before it still run, and the caller sees the original error.</summary>
    [Fact]
    public async Task A_throwing_undo_is_logged_and_the_others_still_run()
    {
        var log = new ListLogger();
        var undone = new List<string>();
        Reverter? seen = null;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var revert = new Reverter("test-op", log);
            seen = revert;
            revert.Add("first", () => undone.Add("first"));
            revert.Add("broken", () => throw new IOException("netdev_del: no such netdev"));
            revert.Add("third", async _ => { await Task.Delay(1); undone.Add("third"); });
            throw new InvalidOperationException("original");
        });
        Assert.Equal("original", error.Message);
        Assert.Equal(["third", "first"], undone);
        Assert.Equal("broken", Assert.Single(seen!.Failures).Name);
        Assert.Contains(log.Lines, l => l.Contains("undo of broken failed: netdev_del: no such netdev", StringComparison.Ordinal));
        ReliabilityReport.Record("undo", "reverter: one of three undos throws",
            "logged (\"undo of broken failed\"); the other two ran; the caller saw the original error");
    }

    /// <summary>
    /// A cancelled operation still rolls back fully: the undos never see the operation's (cancelled) token, and an
    /// async undo that needs time to finish gets it.
    /// </summary>
    [Fact]
    public async Task Cancellation_does_not_skip_the_undos()
    {
        using var cts = new CancellationTokenSource();
        var tokenCancelledInUndo = new List<bool>();
        var finished = false;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var revert = new Reverter("test-op");
            revert.Add("slow", async t =>
            {
                tokenCancelledInUndo.Add(t.IsCancellationRequested);
                await Task.Delay(200, t);
                finished = true;
            });
            revert.Add("fast", t => { tokenCancelledInUndo.Add(t.IsCancellationRequested); return Task.CompletedTask; });
            revert.Step("wait");
            cts.CancelAfter(50);
            await Task.Delay(Timeout.Infinite, cts.Token);
        });
        Assert.Equal([false, false], tokenCancelledInUndo);
        Assert.True(finished);
        ReliabilityReport.Record("undo", "reverter: the operation is cancelled mid-step",
            $"both undos ran with a live token, the 200 ms one to its end ({clock.ElapsedMilliseconds} ms in all)");
    }

    /// <summary>An undo that hangs is cut off by its own bounded token, and the next one still runs.</summary>
    [Fact]
    public async Task A_hanging_undo_is_bounded()
    {
        var ranAfter = false;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await using var revert = new Reverter("test-op") { UndoTimeout = TimeSpan.FromMilliseconds(300) };
            revert.Add("after", () => ranAfter = true);
            revert.Add("hangs", t => Task.Delay(Timeout.Infinite, t));
            throw new IOException("step failed");
        });
        Assert.True(ranAfter);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 10);
    }

    /// <summary>Step boundaries are reported with the operation's name; a hook that throws fails that step and rolls back.</summary>
    [Fact]
    public async Task Steps_are_reported_and_a_hook_can_fail_one()
    {
        var reached = new List<string>();
        var undone = false;
        void Hook(string step)
        {
            if (!step.StartsWith("hook-op/", StringComparison.Ordinal))
                return;
            lock (reached)
                reached.Add(step);
            if (step == "hook-op/second")
                throw new IOException("killed here");
        }
        Reverter.StepReached += Hook;
        try
        {
            await Assert.ThrowsAsync<IOException>(async () =>
            {
                await using var revert = new Reverter("hook-op");
                revert.Step("first");
                revert.Add("first", () => undone = true);
                revert.Step("second");
                revert.Step("third");
            });
        }
        finally
        {
            Reverter.StepReached -= Hook;
        }
        Assert.Equal(["hook-op/first", "hook-op/second"], reached);
        Assert.True(undone);
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_adding_after_commit_is_refused()
    {
        var count = 0;
        var revert = new Reverter("test-op");
        revert.Add("a", () => count++);
        await revert.DisposeAsync();
        await revert.DisposeAsync();
        Assert.Equal(1, count);
        Assert.Throws<ObjectDisposedException>(() => revert.Add("late", () => count++));
    }
}

using System.Text.Json.Nodes;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Operations;

namespace Vireo.Core.Tests.Operations;

public sealed class OperationRegistryTests
{
    /// <summary>A clock the test moves by hand (a named fake: only time is simulated).</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task A_successful_operation_reports_progress_then_its_result()
    {
        await using var ops = new OperationRegistry();
        var gate = new TaskCompletionSource();
        var op = ops.Start("test", "t", async (progress, ct) =>
        {
            progress.Report(0.4);
            await gate.Task.WaitAsync(ct);
            return new JsonObject { ["answer"] = 42 };
        });
        for (var i = 0; i < 100 && ops.Get(op.Id).Progress < 0.4; i++)
            await Task.Delay(10);
        Assert.Equal(0.4, ops.Get(op.Id).Progress);
        Assert.Equal(OperationStatus.Running, ops.Get(op.Id).Status);
        gate.SetResult();
        var done = await ops.WaitAsync(op.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(OperationStatus.Succeeded, done.Status);
        Assert.Equal(1.0, done.Progress);
        Assert.Equal(42, done.Result!["answer"]!.GetValue<int>());
        Assert.NotNull(done.EndedAt);
    }

    [Fact]
    public async Task Cancel_ends_a_running_operation_as_cancelled_and_a_failure_keeps_its_error()
    {
        await using var ops = new OperationRegistry();
        var running = ops.Start("test", "a", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return null; });
        var failing = ops.Start("test", "b", (_, _) => throw new InvalidStateException("nope"));
        Assert.True(ops.Cancel(running.Id).CancelRequested);
        Assert.Equal(OperationStatus.Cancelled, (await ops.WaitAsync(running.Id, TimeSpan.FromSeconds(5), CancellationToken.None)).Status);
        var failed = await ops.WaitAsync(failing.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(OperationStatus.Failed, failed.Status);
        Assert.Equal(ErrorCodes.InvalidState, failed.Error!.Code);
        Assert.Equal("nope", failed.Error.Detail);
    }

    [Fact]
    public async Task An_ended_operation_can_be_forgotten_but_a_running_one_cannot()
    {
        await using var ops = new OperationRegistry();
        var gate = new TaskCompletionSource();
        var running = ops.Start("test", "r", async (_, ct) => { await gate.Task.WaitAsync(ct); return null; });
        var refused = ops.Start("test", "x", (_, _) => throw new InvalidInputException("bad"));
        await ops.Completion(refused.Id);
        ops.Forget(refused.Id);
        ops.Forget(running.Id);
        Assert.Equal([running.Id], ops.List().Select(o => o.Id));
        Assert.Throws<OperationNotFoundException>(() => ops.Get(refused.Id));
        gate.SetResult();
        await ops.Completion(running.Id);
        Assert.Equal(OperationStatus.Succeeded, ops.Get(running.Id).Status);
    }

    [Fact]
    public async Task Finished_operations_are_forgotten_after_the_retention_time()
    {
        var clock = new ManualClock();
        await using var ops = new OperationRegistry(clock);
        var op = ops.Start("test", "t", (_, _) => Task.FromResult<JsonNode?>(null));
        await ops.WaitAsync(op.Id, TimeSpan.FromSeconds(5), CancellationToken.None);
        clock.Now += OperationRegistry.Retention - TimeSpan.FromSeconds(1);
        Assert.Single(ops.List());
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Empty(ops.List());
        Assert.Throws<OperationNotFoundException>(() => ops.Get(op.Id));
    }
}

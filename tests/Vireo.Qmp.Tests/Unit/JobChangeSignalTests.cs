using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

/// <summary>
/// A caller following a job waits on <see cref="QmpClient.NextJobChange"/> instead of sleeping a poll interval:
/// it must complete at a JOB_STATUS_CHANGE (whether or not anyone reads the event channel), not at other events,
/// and at the end of the connection, so that no waiter hangs.
/// </summary>
public sealed class JobChangeSignalTests
{
    private const string JobChange =
        """{"timestamp": {"seconds": 1795522583, "microseconds": 1}, "event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "vireo-save-1"}}""";

    [Fact]
    public async Task The_next_job_change_completes_at_a_job_status_event_and_not_at_others()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var changed = client.NextJobChange();
        await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", "STOP"));
        Assert.IsType<StopEvent>(await client.Events.ReadOneAsync());
        Assert.False(changed.IsCompleted, "a STOP event signalled a job change");

        await peer.SendAsync(JobChange);
        await changed.Within();
        // The event still reaches the event channel; the next wait is for a later change.
        Assert.Equal(new JobStatusChangeEvent("vireo-save-1", JobStatus.Concluded), await client.Events.ReadOneAsync() with { Timestamp = default });
        Assert.False(client.NextJobChange().IsCompleted);
    }

    [Fact]
    public async Task A_wait_for_a_job_change_ends_with_the_connection()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        var changed = client.NextJobChange();
        await peer.CloseAsync();
        await changed.Within();
        await client.Disconnected.Within();
        Assert.True(client.NextJobChange().IsCompleted, "a wait begun after the connection ended would never end");
    }
}

using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class DisconnectTests
{
    [Fact]
    public async Task When_the_peer_hangs_up_pending_calls_fail_and_Events_and_Disconnected_complete()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        var pending = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReceiveAsync();
        await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", "SHUTDOWN"));
        await peer.CloseAsync();

        var ex = await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending.Within());
        Assert.Equal("query-status", ex.CommandName);
        Assert.True(ex.CommandWasSent);
        await client.Disconnected.Within();
        Assert.False(client.IsConnected);

        // Events already received are still readable, then the stream completes.
        Assert.IsType<ShutdownEvent>(await client.Events.ReadOneAsync());
        await client.Events.Completion.Within();
    }

    [Fact]
    public async Task Calls_after_the_peer_hung_up_fail_with_QmpDisconnectedException_without_being_sent()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await peer.CloseAsync();
        await client.Disconnected.Within();

        var ex = await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.ExecuteAsync(QmpCommands.Cont()).Within());
        Assert.False(ex.CommandWasSent);
    }

    [Fact]
    public async Task A_malformed_line_fails_pending_calls_with_QmpProtocolException_and_closes_the_connection()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var pending = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReceiveAsync();
        await peer.SendAsync("""{"return": {"status": "running"}, "id": 2,,}""");

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => pending.Within());
        Assert.Contains("malformed JSON", ex.Message);
        await client.Disconnected.Within();
        await client.Events.Completion.Within();
        await Assert.ThrowsAsync<QmpProtocolException>(() => client.ExecuteAsync(QmpCommands.Cont()).Within());
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_a_protocol_error()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync(new QmpClientOptions { MaxMessageBytes = 64 * 1024 });
        await using var _ = client;
        await using var __ = peer;

        var pending = client.ExecuteRawAsync("query-qmp-schema");
        var command = await peer.ReceiveAsync();
        await peer.SendAsync($$"""{"return": "{{new string('x', 100 * 1024)}}", "id": {{command.Id}}}""");

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => pending.Within());
        Assert.Contains("larger than", ex.Message);
    }

    [Fact]
    public async Task Disposing_fails_pending_calls_completes_Events_and_refuses_later_calls()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var __ = peer;

        var pending = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReceiveAsync();
        await client.DisposeAsync().AsTask().Within();

        await Assert.ThrowsAsync<QmpDisconnectedException>(() => pending.Within());
        await client.Events.Completion.Within();
        await client.Disconnected.Within();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ExecuteAsync(QmpCommands.Cont()));
        Assert.Empty(await peer.ReadUntilClientClosesAsync());
    }

    [Fact]
    public async Task Disconnected_never_faults_even_after_a_protocol_error()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        await peer.SendAsync("this is not json");

        await client.Disconnected.Within();
        Assert.True(client.Disconnected.IsCompletedSuccessfully);
    }
}

using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class QuitTests
{
    [Fact]
    public async Task Quit_succeeds_when_the_socket_closes_before_the_reply()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        var quitting = client.QuitAsync();
        Assert.Equal("quit", (await peer.ReceiveAsync()).Execute);
        await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", "SHUTDOWN"));
        await peer.CloseAsync();

        await quitting.Within();
        await client.Disconnected.Within();
        var shutdown = Assert.IsType<ShutdownEvent>(await client.Events.ReadOneAsync());
        Assert.Equal("host-qmp-quit", shutdown.Reason);
    }

    [Fact]
    public async Task Quit_succeeds_when_the_reply_comes_before_the_socket_closes()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        var quitting = client.QuitAsync();
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "quit");
        await quitting.Within();
        await peer.CloseAsync();

        await client.Disconnected.Within();
    }

    [Fact]
    public async Task Quit_on_a_connection_that_was_already_closed_fails_because_nothing_was_sent()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await peer.CloseAsync();
        await client.Disconnected.Within();

        var ex = await Assert.ThrowsAsync<QmpDisconnectedException>(() => client.QuitAsync().Within());
        Assert.False(ex.CommandWasSent);
    }

    [Fact]
    public async Task A_plain_quit_command_without_QuitAsync_reports_the_disconnect()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        var quitting = client.ExecuteAsync(QmpCommands.Quit());
        await peer.ReceiveAsync();
        await peer.CloseAsync();

        var ex = await Assert.ThrowsAsync<QmpDisconnectedException>(() => quitting.Within());
        Assert.True(ex.CommandWasSent);
    }
}

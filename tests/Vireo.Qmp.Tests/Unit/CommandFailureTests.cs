using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class CommandFailureTests
{
    [Fact]
    public async Task A_QMP_error_becomes_QmpCommandException_with_class_description_and_command()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.DeviceDel("x"));
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "device_del-missing");

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => call.Within());
        Assert.Equal(QmpErrorClass.DeviceNotFound, ex.ErrorClass);
        Assert.Equal("Device 'x' not found", ex.Description);
        Assert.Equal("device_del", ex.CommandName);
        Assert.Equal("QEMU refused 'device_del': Device 'x' not found", ex.Message);
    }

    [Fact]
    public async Task A_command_QEMU_does_not_know_fails_with_class_CommandNotFound()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteRawAsync("no-such-command");
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "no-such-command");

        var ex = await Assert.ThrowsAsync<QmpCommandException>(() => call.Within());
        Assert.Equal(QmpErrorClass.CommandNotFound, ex.ErrorClass);
    }

    [Fact]
    public async Task An_unanswered_command_times_out_and_the_connection_stays_usable()
    {
        var options = new QmpClientOptions { CommandTimeout = TimeSpan.FromMilliseconds(200) };
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync(options);
        await using var _ = client;
        await using var __ = peer;

        var slow = client.ExecuteAsync(QmpCommands.QueryStatus());
        var ignored = await peer.ReceiveAsync();
        var ex = await Assert.ThrowsAsync<QmpTimeoutException>(() => slow.Within());
        Assert.Equal("query-status", ex.CommandName);
        Assert.Equal(TimeSpan.FromMilliseconds(200), ex.Timeout);

        // The late reply must be dropped, not handed to the next command.
        await peer.ReplyWithRecordingAsync(ignored, "query-status-running");
        var next = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "query-status-paused");
        Assert.Equal(RunState.Paused, (await next.Within()).Status);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_per_call_timeout_overrides_the_default()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.QueryStatus(), TimeSpan.FromMilliseconds(100));
        await peer.ReceiveAsync();

        var ex = await Assert.ThrowsAsync<QmpTimeoutException>(() => call.Within());
        Assert.Equal(TimeSpan.FromMilliseconds(100), ex.Timeout);
    }

    [Fact]
    public async Task Cancelling_the_token_abandons_the_call_with_OperationCanceledException()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;
        using var cts = new CancellationTokenSource();

        var call = client.ExecuteAsync(QmpCommands.QueryStatus(), cts.Token);
        var command = await peer.ReceiveAsync();
        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        Assert.Equal(cts.Token, ex.CancellationToken);

        await peer.ReplyWithRecordingAsync(command, "query-status");
        var next = client.ExecuteAsync(QmpCommands.QueryKvm());
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "query-kvm");
        Assert.True((await next.Within()).Present);
    }

    [Fact]
    public async Task An_already_cancelled_token_sends_nothing()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.ExecuteAsync(QmpCommands.Cont(), new CancellationToken(canceled: true)));
        await client.DisposeAsync();

        Assert.Empty(await peer.ReadUntilClientClosesAsync());
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task A_reply_of_the_wrong_shape_is_a_QmpProtocolException_for_that_call_only()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReplyAsync(await peer.ReceiveAsync(), """{"status": 42}""");

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => call.Within());
        Assert.Contains("query-status", ex.Message);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Invalid_timeouts_are_rejected()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ExecuteAsync(QmpCommands.Cont(), TimeSpan.Zero));
    }
}

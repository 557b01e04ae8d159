using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class HandshakeTests
{
    [Fact]
    public async Task Connect_reads_the_greeting_then_negotiates_capabilities_before_returning()
    {
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream);

        await peer.SendGreetingAsync();
        var first = await peer.ReceiveAsync();
        Assert.Equal("qmp_capabilities", first.Execute);
        Assert.Null(first.Arguments);
        Assert.False(connecting.IsCompleted, "ConnectAsync must wait for the capabilities reply");

        await peer.ReplyAsync(first);
        await using var client = await connecting.Within();

        Assert.Equal(new QemuVersionTriple(7, 2, 22), client.Greeting.Version.Qemu);
        Assert.Equal("Debian 1:7.2+dfsg-7+deb12u18+b3", client.Greeting.Version.Package);
        Assert.Equal(["oob"], client.Greeting.Capabilities);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Connect_fails_with_QmpConnectException_when_the_peer_does_not_greet_like_QMP()
    {
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream);
        await peer.SendAsync("""{"hello": "I am not QEMU"}""");

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => connecting.Within());
        Assert.IsType<QmpProtocolException>(ex.InnerException);
        Assert.Null(ex.SocketPath);
    }

    [Fact]
    public async Task Connect_times_out_with_a_hint_when_no_greeting_comes()
    {
        // QEMU accepts a second monitor client at the socket level but never greets it.
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        var options = new QmpClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) };

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(stream, options).Within());
        Assert.Contains("another client", ex.Message);
    }

    [Fact]
    public async Task Connect_fails_when_the_peer_hangs_up_before_greeting()
    {
        var peer = ScriptedQmpPeer.Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream);
        await peer.CloseAsync();

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => connecting.Within());
        Assert.Contains("before sending its greeting", ex.Message);
    }

    [Fact]
    public async Task Connect_fails_when_QEMU_refuses_capabilities_negotiation()
    {
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream);
        await peer.SendGreetingAsync();
        await peer.ReplyErrorAsync(await peer.ReceiveAsync(), "GenericError", "Capabilities negotiation is already complete");

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => connecting.Within());
        var refusal = Assert.IsType<QmpCommandException>(ex.InnerException);
        Assert.Equal("qmp_capabilities", refusal.CommandName);
    }

    [Fact]
    public async Task Connect_honours_the_callers_cancellation()
    {
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => QmpClient.ConnectAsync(stream, null, cts.Token).Within());
    }

    [Fact]
    public async Task Events_sent_during_negotiation_are_kept()
    {
        await using var peer = ScriptedQmpPeer.Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream);
        await peer.SendGreetingAsync();
        var capabilities = await peer.ReceiveAsync();
        await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", "RESUME"));
        await peer.ReplyAsync(capabilities);
        await using var client = await connecting.Within();

        Assert.IsType<ResumeEvent>(await client.Events.ReadOneAsync());
    }

    [Fact]
    public async Task Trace_receives_both_directions_of_the_exchange()
    {
        var lines = new List<string>();
        var options = new QmpClientOptions { Trace = line => { lock (lines) { lines.Add(line); } } };
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync(options);
        await using (client)
        await using (peer)
        {
            string[] snapshot;
            lock (lines)
            {
                snapshot = [.. lines];
            }

            Assert.Contains(snapshot, l => l.StartsWith("<- {\"QMP\"", StringComparison.Ordinal));
            Assert.Contains(snapshot, l => l.StartsWith("-> {\"execute\":\"qmp_capabilities\"", StringComparison.Ordinal));
            Assert.Contains(snapshot, l => l.StartsWith("<- {\"return\": {}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_throwing_trace_sink_does_not_break_the_connection()
    {
        var options = new QmpClientOptions { Trace = _ => throw new InvalidOperationException("log sink down") };
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync(options);
        await using (client)
        await using (peer)
        {
            var status = client.ExecuteAsync(QmpCommands.QueryStatus());
            await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "query-status");
            Assert.Equal(RunState.Prelaunch, (await status.Within()).Status);
        }
    }
}

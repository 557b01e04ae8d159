using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class ReplyMatchingTests
{
    [Fact]
    public async Task Replies_that_arrive_out_of_order_go_to_the_command_with_the_same_id()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var status = client.ExecuteAsync(QmpCommands.QueryStatus());
        var kvm = client.ExecuteAsync(QmpCommands.QueryKvm());
        var first = await peer.ReceiveAsync();
        var second = await peer.ReceiveAsync();
        Assert.NotEqual(first.Id, second.Id);

        var kvmCommand = first.Execute == "query-kvm" ? first : second;
        var statusCommand = first.Execute == "query-status" ? first : second;
        await peer.ReplyWithRecordingAsync(kvmCommand, "query-kvm");
        await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", "STOP"));
        await peer.ReplyWithRecordingAsync(statusCommand, "query-status-paused");

        Assert.Equal(new KvmInfo(Enabled: false, Present: true), await kvm.Within());
        Assert.Equal(RunState.Paused, (await status.Within()).Status);
        Assert.IsType<StopEvent>(await client.Events.ReadOneAsync());
    }

    [Fact]
    public async Task Events_between_a_command_and_its_reply_are_delivered_in_arrival_order()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var reset = client.ExecuteAsync(QmpCommands.SystemReset());
        var command = await peer.ReceiveAsync();
        foreach (var name in new[] { "STOP", "RESET", "POWERDOWN" })
        {
            await peer.SendAsync(QmpFixtures.Event("qemu-7.2-events.jsonl", name));
        }

        await peer.ReplyAsync(command);
        await reset.Within();

        Assert.IsType<StopEvent>(await client.Events.ReadOneAsync());
        Assert.IsType<ResetEvent>(await client.Events.ReadOneAsync());
        Assert.IsType<PowerdownEvent>(await client.Events.ReadOneAsync());
    }

    [Fact]
    public async Task Many_tasks_calling_at_once_each_get_their_own_reply()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;
        const int Calls = 200;

        var calls = Enumerable.Range(0, Calls)
            .Select(n => Task.Run(() => client.ExecuteRawAsync("x-echo", new JsonObject { ["n"] = n })))
            .ToArray();

        var received = new List<ReceivedCommand>();
        for (var i = 0; i < Calls; i++)
        {
            received.Add(await peer.ReceiveAsync());
        }

        Assert.Equal(Calls, received.Select(c => c.Id).Distinct().Count());
        foreach (var command in received.OrderBy(_ => Random.Shared.Next()))
        {
            var n = command.Arguments!.Value.GetProperty("n").GetInt32();
            await peer.ReplyAsync(command, $$"""{"n": {{n}}, "event": "not an event: inside return"}""");
        }

        var results = await Task.WhenAll(calls).Within();
        for (var n = 0; n < Calls; n++)
        {
            Assert.Equal(n, results[n].GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task Raw_commands_send_name_arguments_and_a_numeric_id()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteRawAsync("query-named-block-nodes", new JsonObject { ["flat"] = true });
        var command = await peer.ReceiveAsync();
        await peer.ReplyAsync(command, "[]");

        Assert.Equal(JsonValueKind.Array, (await call.Within()).ValueKind);
        Assert.Equal($$"""{"execute":"query-named-block-nodes","arguments":{"flat":true},"id":{{command.Id}}}""", command.RawLine);
    }

    [Fact]
    public async Task Replies_without_an_id_or_with_a_foreign_id_are_ignored()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var status = client.ExecuteAsync(QmpCommands.QueryStatus());
        var command = await peer.ReceiveAsync();
        await peer.SendAsync("""{"return": {"status": "running", "running": true}}""");
        await peer.SendAsync("""{"return": {"status": "running", "running": true}, "id": "someone-else"}""");
        await peer.SendAsync("""{"return": {"status": "running", "running": true}, "id": 987654}""");
        await peer.ReplyWithRecordingAsync(command, "query-status");

        Assert.Equal(RunState.Prelaunch, (await status.Within()).Status);
        Assert.True(client.IsConnected);
    }
}

using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class FramingTests
{
    [Fact]
    public async Task Pretty_printed_messages_spanning_lines_are_framed_whole()
    {
        // -mon ...,pretty=on makes QEMU indent its JSON over many lines.
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var status = client.ExecuteAsync(QmpCommands.QueryStatus());
        var command = await peer.ReceiveAsync();
        await peer.SendRawAsync($$"""
            {
                "return": {
                    "status": "running",
                    "singlestep": false,
                    "running": true
                },
                "id": {{command.Id}}
            }

            """);

        Assert.Equal(RunState.Running, (await status.Within()).Status);
    }

    [Fact]
    public async Task A_message_split_across_writes_and_two_messages_in_one_write_are_both_handled()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var status = client.ExecuteAsync(QmpCommands.QueryStatus());
        var command = await peer.ReceiveAsync();
        var reply = QmpFixtures.Reply("query-status-running", command.Id);
        var resume = QmpFixtures.Event("qemu-7.2-events.jsonl", "RESUME");
        await peer.SendRawAsync(resume[..10]);
        await Task.Delay(20);
        await peer.SendRawAsync(resume[10..] + "\r\n" + reply[..7]);
        await Task.Delay(20);
        await peer.SendRawAsync(reply[7..] + "\r\n");

        Assert.Equal(RunState.Running, (await status.Within()).Status);
        Assert.IsType<ResumeEvent>(await client.Events.ReadOneAsync());
    }

    [Fact]
    public async Task Non_ascii_text_survives_the_round_trip()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var call = client.ExecuteAsync(QmpCommands.HumanMonitor("info name"));
        var command = await peer.ReceiveAsync();
        await peer.ReplyAsync(command, "\"vm-ünïcødé ✓\\r\\n\"");

        Assert.Equal("vm-ünïcødé ✓\r\n", await call.Within());
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vireo.Qmp.Qga;
using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

/// <summary>
/// The guest agent client against a fake agent on a real Unix socket (FakeAgentPeer: a hostile guest cannot be
/// produced on demand). Every hostile case must end in a clear error within its timeout, with bounded memory.
/// </summary>
public sealed class QgaClientTests
{
    private static readonly QgaClientOptions Fast = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        CommandTimeout = TimeSpan.FromSeconds(2),
    };

    private static async Task<QgaClient> Connect(FakeAgentPeer peer) => await QgaClient.ConnectAsync(peer.SocketPath, Fast);

    /// <summary>Answers the sync properly, then runs <paramref name="afterSync"/> for the first other request.</summary>
    private static Func<FakeAgentPeer.Connection, CancellationToken, Task> SyncThen(Func<FakeAgentPeer.Connection, JsonElement, CancellationToken, Task> afterSync) =>
        async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is { } req)
            {
                if (req.GetProperty("execute").GetString() == "guest-sync-delimited")
                {
                    await c.WriteAsync([0xFF], ct);
                    await c.WriteLineAsync($"{{\"return\": {req.GetProperty("arguments").GetProperty("id").GetInt64()}}}", ct);
                    continue;
                }
                await afterSync(c, req, ct);
                await Task.Delay(Timeout.Infinite, ct);
            }
        };

    /// <summary>Writes <paramref name="chunk"/> over and over until the client hangs up (or 200 MB).</summary>
    private static async Task Flood(FakeAgentPeer.Connection c, byte[] chunk, CancellationToken ct)
    {
        for (long sent = 0; sent < 200_000_000; sent += chunk.Length)
            await c.WriteAsync(chunk, ct);
    }

    private static async Task<T> Bounded<T>(Func<Task> call, TimeSpan within) where T : Exception
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<T>(call);
        Assert.True(clock.Elapsed < within, $"took {clock.Elapsed}, more than {within}");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MiB");
        return e;
    }

    [Fact]
    public async Task Sync_skips_garbage_and_stale_answers_then_ping_answers()
    {
        await using var peer = new FakeAgentPeer(async (c, ct) =>
        {
            var req = (await c.ReadRequestAsync(ct))!.Value;
            var id = req.GetProperty("arguments").GetProperty("id").GetInt64();
            // A late answer of an earlier client, noise, and a stale sync answer, before the real one.
            await c.WriteLineAsync("{\"return\": {\"pid\": 7}}", ct);
            await c.WriteAsync([0x00, 0x41, 0xC3, 0x28, 0xFF], ct);
            await c.WriteLineAsync($"{{\"return\": {id + 1}}}", ct);
            await c.WriteAsync([0xFF], ct);
            await c.WriteLineAsync($"{{\"return\": {id}}}", ct);
            await FakeAgentPeer.Behaving(c, ct);
        });
        await using var client = await Connect(peer);
        await client.PingAsync();
    }

    [Fact]
    public async Task Typed_answers_are_parsed_and_bounded()
    {
        await using var peer = new FakeAgentPeer((c, ct) => FakeAgentPeer.Behaving(c, ct, (cmd, req) => cmd switch
        {
            "guest-info" => "{\"version\": \"7.2.0\", \"supported_commands\": [{\"name\": \"guest-ping\", \"enabled\": true}, {\"name\": \"guest-exec\", \"enabled\": false}]}",
            "guest-get-osinfo" => "{\"id\": \"debian\", \"pretty-name\": \"Debian GNU/Linux 12 (bookworm)\\u0007\", \"kernel-release\": \"6.1.0\"}",
            "guest-get-host-name" => $"{{\"host-name\": \"{new string('h', 10000)}\"}}",
            "guest-network-get-interfaces" => "[{\"name\": \"eth0\", \"hardware-address\": \"52:54:00:12:34:56\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", \"ip-address\": \"10.0.2.15\", \"prefix\": 24}, {\"ip-address-type\": \"ipv4\", \"ip-address\": \"not-an-ip\", \"prefix\": 24}]}]",
            "guest-exec" => "{\"pid\": 42}",
            "guest-exec-status" => $"{{\"exited\": true, \"exitcode\": 3, \"out-data\": \"{Convert.ToBase64String(new byte[100])}\", \"err-data\": \"{Convert.ToBase64String(Encoding.UTF8.GetBytes("oops"))}\"}}",
            "guest-fsfreeze-freeze" => "2",
            "guest-fsfreeze-thaw" => "2",
            "guest-fsfreeze-status" => "\"thawed\"",
            "guest-set-user-password" when req.GetProperty("arguments").GetProperty("crypted").GetBoolean() == false
                && Encoding.UTF8.GetString(req.GetProperty("arguments").GetProperty("password").GetBytesFromBase64()) == "s3cret" => "{}",
            _ => null,
        }));
        await using var client = await Connect(peer);
        var info = await client.GetInfoAsync();
        Assert.Equal("7.2.0", info.Version);
        Assert.Equal(["guest-ping"], info.Commands);
        var os = await client.GetOsInfoAsync();
        Assert.Equal("Debian GNU/Linux 12 (bookworm)?", os.PrettyName);
        Assert.Equal(4096, (await client.GetHostNameAsync()).Length);
        var nics = await client.GetNetworkInterfacesAsync();
        Assert.Equal(new QgaAddress("ipv4", "10.0.2.15", 24), Assert.Single(Assert.Single(nics).Addresses));
        Assert.Equal(42, await client.ExecAsync("/bin/true", [], null));
        var status = await client.ExecStatusAsync(42, maxOutputBytes: 10);
        Assert.True(status.Exited);
        Assert.Equal(3, status.ExitCode);
        Assert.Equal(10, status.Stdout.Length);
        Assert.True(status.Truncated);
        Assert.Equal("oops", Encoding.UTF8.GetString(status.Stderr));
        Assert.Equal(2, await client.FsFreezeAsync());
        Assert.Equal(2, await client.FsThawAsync());
        Assert.Equal("thawed", await client.FsFreezeStatusAsync());
        await client.SetUserPasswordAsync("ops", "s3cret");
    }

    [Fact]
    public async Task An_error_answer_is_a_command_exception_and_the_client_stays_usable()
    {
        await using var peer2 = new FakeAgentPeer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is { } req)
            {
                if (req.GetProperty("execute").GetString() == "guest-sync-delimited")
                {
                    await c.WriteAsync([0xFF], ct);
                    await c.WriteLineAsync($"{{\"return\": {req.GetProperty("arguments").GetProperty("id").GetInt64()}}}", ct);
                }
                else if (req.GetProperty("execute").GetString() == "guest-exec")
                    await c.WriteLineAsync($"{{\"error\": {{\"class\": \"GenericError\", \"desc\": \"Guest agent command failed, error was 'Failed to execute child process'\"}}, \"id\": {req.GetProperty("id").GetInt64()}}}", ct);
                else
                    await c.WriteLineAsync($"{{\"return\": {{}}, \"id\": {req.GetProperty("id").GetInt64()}}}", ct);
            }
        });
        await using var client = await Connect(peer2);
        var e = await Assert.ThrowsAsync<QgaCommandException>(() => client.ExecAsync("/nope", [], null));
        Assert.Contains("Failed to execute child process", e.Message);
        await client.PingAsync();
    }

    [Fact]
    public async Task No_answer_to_the_sync_is_not_answering_within_the_connect_timeout()
    {
        await using var peer = new FakeAgentPeer(async (c, ct) => await Task.Delay(Timeout.Infinite, ct));
        var e = await Bounded<QgaNotAnsweringException>(() => Connect(peer), TimeSpan.FromSeconds(4));
        Assert.Contains("did not answer guest-sync-delimited", e.Message);
    }

    [Fact]
    public async Task No_answer_to_a_command_is_not_answering_within_the_command_timeout()
    {
        await using var peer = new FakeAgentPeer(SyncThen((_, _, _) => Task.CompletedTask));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaNotAnsweringException>(() => client.PingAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("did not answer guest-ping within 2 s", e.Message);
    }

    [Fact]
    public async Task A_flood_without_the_sync_sentinel_is_a_protocol_error()
    {
        await using var peer = new FakeAgentPeer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await Flood(c, Encoding.ASCII.GetBytes(new string('x', 64 * 1024)), ct);
        });
        var e = await Bounded<QgaProtocolException>(() => Connect(peer), TimeSpan.FromSeconds(4));
        Assert.Contains("without answering the sync request", e.Message);
    }

    [Fact]
    public async Task Endless_JSON_is_a_protocol_error_with_bounded_memory()
    {
        await using var peer = new FakeAgentPeer(SyncThen((c, _, ct) => Flood(c, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":[1,2,3],", 4096))), ct)));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaProtocolException>(() => client.PingAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("larger than 1048576 bytes", e.Message);
    }

    [Fact]
    public async Task A_100_MB_string_is_a_protocol_error_with_bounded_memory()
    {
        await using var peer = new FakeAgentPeer(SyncThen(async (c, req, ct) =>
        {
            await c.WriteAsync(Encoding.ASCII.GetBytes("{\"return\": \""), ct);
            var chunk = Encoding.ASCII.GetBytes(new string('A', 1024 * 1024));
            for (var i = 0; i < 100; i++) await c.WriteAsync(chunk, ct);
            await c.WriteLineAsync("\"}", ct);
        }));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaProtocolException>(() => client.GetHostNameAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public async Task Deeply_nested_JSON_is_malformed_not_a_stack_overflow()
    {
        await using var peer = new FakeAgentPeer(SyncThen((c, _, ct) => c.WriteLineAsync(new string('[', 100_000) + new string(']', 100_000), ct)));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaProtocolException>(() => client.PingAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("malformed JSON", e.Message);
    }

    [Fact]
    public async Task Invalid_UTF8_is_a_protocol_error()
    {
        await using var peer = new FakeAgentPeer(SyncThen((c, req, ct) =>
            c.WriteAsync([.. Encoding.ASCII.GetBytes("{\"return\": {\"host-name\": \"a"), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\"}}\n")], ct)));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaProtocolException>(() => client.GetHostNameAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public async Task An_answer_to_another_id_is_a_protocol_error()
    {
        await using var peer = new FakeAgentPeer(SyncThen((c, req, ct) =>
            c.WriteLineAsync($"{{\"return\": {{}}, \"id\": {req.GetProperty("id").GetInt64() + 5}}}", ct)));
        await using var client = await Connect(peer);
        var e = await Bounded<QgaProtocolException>(() => client.PingAsync(), TimeSpan.FromSeconds(4));
        Assert.Contains("answered another request", e.Message);
        // The connection is unusable afterwards: the caller must reconnect.
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.PingAsync());
    }

    [Fact]
    public async Task Shutdown_takes_silence_as_success_and_reports_an_error_answer()
    {
        await using var silent = new FakeAgentPeer((c, ct) => FakeAgentPeer.Behaving(c, ct));
        await using (var client = await Connect(silent))
            await client.ShutdownAsync(QgaShutdownMode.Powerdown, TimeSpan.FromMilliseconds(300));

        await using var refusing = new FakeAgentPeer(SyncThen((c, req, ct) =>
            c.WriteLineAsync($"{{\"error\": {{\"class\": \"GenericError\", \"desc\": \"no shutdown here\"}}, \"id\": {req.GetProperty("id").GetInt64()}}}", ct)));
        await using var client2 = await Connect(refusing);
        var e = await Assert.ThrowsAsync<QgaCommandException>(() => client2.ShutdownAsync(QgaShutdownMode.Powerdown, TimeSpan.FromSeconds(2)));
        Assert.Contains("no shutdown here", e.Message);
    }

    [Fact]
    public async Task A_missing_socket_is_not_answering()
    {
        var e = await Assert.ThrowsAsync<QgaNotAnsweringException>(() => QgaClient.ConnectAsync("/nonexistent/agent.sock", Fast));
        Assert.Contains("does not exist", e.Message);
    }
}

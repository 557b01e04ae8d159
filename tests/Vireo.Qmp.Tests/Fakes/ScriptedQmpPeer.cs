using System.Text;
using System.Text.Json;

namespace Vireo.Qmp.Tests.Fakes;

/// <summary>A command as the fake peer received it.</summary>
internal sealed record ReceivedCommand(string Execute, JsonElement? Arguments, long Id, string RawLine);

/// <summary>
/// A FAKE QMP server for unit tests, scripted step by step by each test: it is not QEMU. It speaks over an in-memory
/// duplex stream and answers only what the test tells it to, so tests can reorder replies, interleave events, stay
/// silent, send garbage or hang up.
/// </summary>
internal sealed class ScriptedQmpPeer : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private readonly InMemoryDuplexStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private ScriptedQmpPeer(InMemoryDuplexStream stream)
    {
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>Creates the fake peer and the stream the client under test should use.</summary>
    public static ScriptedQmpPeer Create(out Stream clientStream)
    {
        var (client, peer) = InMemoryDuplexStream.CreatePair();
        clientStream = client;
        return new ScriptedQmpPeer(peer);
    }

    /// <summary>Creates a peer and a client that completed the handshake with it (greeting + qmp_capabilities).</summary>
    public static async Task<(QmpClient Client, ScriptedQmpPeer Peer)> ConnectAsync(QmpClientOptions? options = null)
    {
        var peer = Create(out var stream);
        var connecting = QmpClient.ConnectAsync(stream, options);
        await peer.SendGreetingAsync();
        var capabilities = await peer.ReceiveAsync();
        Assert.Equal("qmp_capabilities", capabilities.Execute);
        await peer.ReplyAsync(capabilities);
        return (await connecting.WaitAsync(StepTimeout), peer);
    }

    /// <summary>Writes raw text exactly as given (no newline added).</summary>
    public async Task SendRawAsync(string text)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            await _stream.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes one message as QEMU does: the JSON followed by CRLF.</summary>
    public Task SendAsync(string json) => SendRawAsync(json + "\r\n");

    public Task SendGreetingAsync() => SendAsync(QmpFixtures.Greeting);

    public Task ReplyAsync(ReceivedCommand command, string returnJson = "{}") =>
        SendAsync($$"""{"return": {{returnJson}}, "id": {{command.Id}}}""");

    public Task ReplyErrorAsync(ReceivedCommand command, string errorClass, string description) =>
        SendAsync($$$"""{"id": {{{command.Id}}}, "error": {"class": {{{JsonSerializer.Serialize(errorClass)}}}, "desc": {{{JsonSerializer.Serialize(description)}}}}}""");

    /// <summary>Answers with a reply recorded from real QEMU (see Fixtures/README.md), under this command's id.</summary>
    public Task ReplyWithRecordingAsync(ReceivedCommand command, string recordingKey) =>
        SendAsync(QmpFixtures.Reply(recordingKey, command.Id));

    /// <summary>Reads the next command the client sent; fails the test if none comes within 10 s.</summary>
    public async Task<ReceivedCommand> ReceiveAsync()
    {
        var line = await _reader.ReadLineAsync().WaitAsync(StepTimeout)
            ?? throw new InvalidOperationException("The client closed the connection");
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        JsonElement? arguments = root.TryGetProperty("arguments", out var args) ? args.Clone() : null;
        return new ReceivedCommand(root.GetProperty("execute").GetString()!, arguments, root.GetProperty("id").GetInt64(), line);
    }

    /// <summary>Reads until the client closes its end; returns the lines it sent meanwhile.</summary>
    public async Task<IReadOnlyList<string>> ReadUntilClientClosesAsync()
    {
        var lines = new List<string>();
        while (await _reader.ReadLineAsync().WaitAsync(StepTimeout) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Hangs up, as QEMU does when it exits.</summary>
    public ValueTask CloseAsync()
    {
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => CloseAsync();
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Tests.Support;

/// <summary>
/// A deliberately raw QMP conversation over a Unix socket (the real QMP client is another project): one JSON
/// object per line, events skipped while waiting for a reply.
/// </summary>
public sealed class RawQmp : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private RawQmp(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public JsonObject Greeting { get; private set; } = new();

    public static async Task<RawQmp> ConnectAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        var qmp = new RawQmp(socket);
        qmp.Greeting = await qmp.ReadObjectAsync(ct);
        var caps = await qmp.ExecuteAsync("""{"execute":"qmp_capabilities"}""", ct);
        if (caps["return"] is null) throw new InvalidOperationException("qmp_capabilities failed: " + caps.ToJsonString());
        return qmp;
    }

    /// <summary>Sends a command and returns its reply (a "return" or "error" object).</summary>
    public async Task<JsonObject> ExecuteAsync(string command, CancellationToken ct)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), ct);
        while (true)
        {
            var o = await ReadObjectAsync(ct);
            if (o.ContainsKey("return") || o.ContainsKey("error")) return o;
        }
    }

    private async Task<JsonObject> ReadObjectAsync(CancellationToken ct)
    {
        var line = await _reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("QMP closed the connection.");
        return JsonNode.Parse(line)!.AsObject();
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vireo.Qmp.Tests.Fakes;

/// <summary>
/// A FAKE guest agent on a real Unix socket: it stands in for a hostile or broken guest (floods, lies, endless
/// JSON, invalid UTF-8, silence), which a real guest cannot be made to produce on demand. Each test scripts its
/// behaviour; <see cref="Behaving"/> answers like qemu-ga 7.2.
/// </summary>
internal sealed class FakeAgentPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeAgentPeer(Func<Connection, CancellationToken, Task> script)
    {
        SocketPath = Path.Combine(Path.GetTempPath(), $"qga-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(4);
        _serving = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket s;
                try { s = await _listener.AcceptAsync(_stop.Token); }
                catch { return; }
                _ = Task.Run(async () =>
                {
                    using var stream = new NetworkStream(s, ownsSocket: true);
                    try { await script(new Connection(stream), _stop.Token); }
                    catch { /* the client went away: expected in every hostile test */ }
                });
            }
        });
    }

    public string SocketPath { get; }

    /// <summary>How a well-behaved agent answers one request (the id echoed as qemu-ga does).</summary>
    public static async Task Behaving(Connection c, CancellationToken ct, Func<string, JsonElement, string?>? answer = null)
    {
        while (await c.ReadRequestAsync(ct) is { } req)
        {
            var cmd = req.GetProperty("execute").GetString()!;
            if (cmd == "guest-sync-delimited")
            {
                await c.WriteAsync([0xFF], ct);
                await c.WriteLineAsync($"{{\"return\": {req.GetProperty("arguments").GetProperty("id").GetInt64()}}}", ct);
                continue;
            }
            var ret = answer?.Invoke(cmd, req) ?? (cmd == "guest-ping" ? "{}" : null);
            if (ret is null) continue;
            await c.WriteLineAsync($"{{\"return\": {ret}, \"id\": {req.GetProperty("id").GetInt64()}}}", ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _serving;
        File.Delete(SocketPath);
    }

    internal sealed class Connection(NetworkStream stream)
    {
        private readonly List<byte> _pending = [];

        /// <summary>The next request, with 0xFF parser-reset bytes dropped; null when the client hung up.</summary>
        public async Task<JsonElement?> ReadRequestAsync(CancellationToken ct)
        {
            var buffer = new byte[4096];
            while (true)
            {
                var nl = _pending.IndexOf((byte)'\n');
                if (nl >= 0)
                {
                    var line = _pending.Take(nl).Where(b => b != 0xFF).ToArray();
                    _pending.RemoveRange(0, nl + 1);
                    if (line.Length == 0) continue;
                    return JsonDocument.Parse(line).RootElement.Clone();
                }
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0) return null;
                _pending.AddRange(buffer.AsSpan(0, n));
            }
        }

        public Task WriteLineAsync(string text, CancellationToken ct) => WriteAsync(Encoding.UTF8.GetBytes(text + "\n"), ct);

        public async Task WriteAsync(byte[] bytes, CancellationToken ct)
        {
            await stream.WriteAsync(bytes, ct);
            await stream.FlushAsync(ct);
        }
    }
}

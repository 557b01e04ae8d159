using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Vireo.Qmp;

/// <summary>
/// An asynchronous client for QEMU's monitor protocol. Commands may be issued concurrently from any thread;
/// replies are matched to commands by id while events interleave, and events are delivered in arrival order
/// through <see cref="Events"/>. Knows nothing of VMs.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly string _endpoint;
    private readonly QmpClientOptions _options;
    private readonly LineReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;
    private Exception? _closeReason;

    private QmpClient(Stream stream, string endpoint, QmpClientOptions options)
    {
        _stream = stream;
        _endpoint = endpoint;
        _options = options;
        _reader = new LineReader(stream);
    }

    /// <summary>What QEMU announced when the connection opened.</summary>
    public QmpGreeting Greeting { get; private set; } = new();

    /// <summary>Asynchronous events in arrival order; completes when the connection ends.</summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>Completes (never faults) once the connection is closed for any reason.</summary>
    public Task Disconnected => _disconnected.Task;

    /// <summary>True until the connection closes.</summary>
    public bool IsConnected => !_disconnected.Task.IsCompleted;

    /// <summary>Connects to a QMP Unix socket, reads the greeting and negotiates capabilities.</summary>
    /// <exception cref="QmpConnectException">The socket is missing, refuses, or QEMU never greets.</exception>
    public static async Task<QmpClient> ConnectAsync(string unixSocketPath, QmpClientOptions? options = null, CancellationToken ct = default)
    {
        options ??= new QmpClientOptions();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(unixSocketPath), timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            ct.ThrowIfCancellationRequested();
            throw new QmpConnectException(unixSocketPath, e is SocketException s ? s.Message : "timed out", e);
        }
        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), unixSocketPath, options, ct);
    }

    /// <summary>Runs the QMP handshake over an already connected duplex stream (tests use an in-memory pair).</summary>
    public static async Task<QmpClient> ConnectAsync(Stream stream, string endpoint, QmpClientOptions? options = null, CancellationToken ct = default)
    {
        var client = new QmpClient(stream, endpoint, options ?? new QmpClientOptions());
        try
        {
            await client.HandshakeAsync(ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ConnectTimeout);
        string? line;
        try
        {
            line = await _reader.ReadLineAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            ct.ThrowIfCancellationRequested();
            throw new QmpConnectException(_endpoint, e is IOException ? e.Message : "no greeting within the connect timeout", e);
        }
        if (line is null)
            throw new QmpConnectException(_endpoint, "the connection closed before the greeting (another client may hold the monitor)");
        _options.Trace?.Invoke("<- " + line);
        Greeting = ParseGreeting(line);
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        await ExecuteRawAsync("qmp_capabilities", null, ct);
    }

    private QmpGreeting ParseGreeting(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("QMP", out var qmp))
                throw new QmpConnectException(_endpoint, $"the peer did not send a QMP greeting: {Truncate(line)}");
            var version = qmp.GetProperty("version");
            var qemu = version.GetProperty("qemu");
            return new QmpGreeting
            {
                Major = qemu.GetProperty("major").GetInt32(),
                Minor = qemu.GetProperty("minor").GetInt32(),
                Micro = qemu.GetProperty("micro").GetInt32(),
                Package = version.TryGetProperty("package", out var p) ? p.GetString() ?? "" : "",
                Capabilities = qmp.TryGetProperty("capabilities", out var caps)
                    ? caps.EnumerateArray().Select(c => c.GetString() ?? "").ToList()
                    : [],
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new QmpConnectException(_endpoint, $"malformed QMP greeting: {Truncate(line)}", e);
        }
    }

    /// <summary>Runs a typed command and returns its typed result.</summary>
    /// <exception cref="QmpCommandException">QEMU answered with an error.</exception>
    /// <exception cref="QmpTimeoutException">No answer within <see cref="QmpClientOptions.CommandTimeout"/>.</exception>
    /// <exception cref="QmpDisconnectedException">The connection is closed.</exception>
    public async Task<TResult> ExecuteAsync<TResult>(QmpCommand<TResult> command, CancellationToken ct = default)
    {
        var result = await ExecuteRawAsync(command.Name, command.Arguments, ct);
        try
        {
            return command.ParseResult(result);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new QmpProtocolException($"unexpected reply to '{command.Name}': {Truncate(result.GetRawText())}", e);
        }
    }

    /// <summary>Runs any command by name and returns the raw <c>return</c> value.</summary>
    public async Task<JsonElement> ExecuteRawAsync(string name, JsonObject? arguments = null, CancellationToken ct = default)
    {
        ThrowIfClosed();
        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingCommand(name);
        _pending[id] = pending;
        try
        {
            // Close() sets the reason before failing pending commands: a command added after that sweep sees it here.
            ThrowIfClosed();
            var message = new JsonObject { ["execute"] = name };
            if (arguments is not null)
                message["arguments"] = arguments.DeepClone();
            message["id"] = id;
            await WriteLineAsync(message.ToJsonString(), ct);
            return await pending.Reply.Task.WaitAsync(_options.CommandTimeout, ct);
        }
        catch (TimeoutException)
        {
            throw new QmpTimeoutException(name, _options.CommandTimeout);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Sends <c>quit</c>. QEMU may close the socket before its reply arrives; a disconnect after sending counts as
    /// success. Returns once QEMU has answered or the connection has closed.
    /// </summary>
    public async Task QuitAsync(CancellationToken ct = default)
    {
        ThrowIfClosed();
        try
        {
            await ExecuteRawAsync("quit", null, ct);
        }
        catch (QmpDisconnectedException)
        {
            // QEMU closed the socket as it exited, before (or instead of) replying.
        }
    }

    private async Task WriteLineAsync(string json, CancellationToken ct)
    {
        _options.Trace?.Invoke("-> " + json);
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        await _writeLock.WaitAsync(ct);
        try
        {
            ThrowIfClosed();
            await _stream.WriteAsync(bytes, ct);
            await _stream.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            Close(new QmpDisconnectedException($"the QEMU monitor at {_endpoint} closed the connection", e));
            throw _closeReason!;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closeReason) is { } reason)
            throw reason as QmpException ?? new QmpDisconnectedException($"the QEMU monitor connection to {_endpoint} is closed", reason);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>Closes the connection; pending commands fail with <see cref="QmpDisconnectedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Close(new QmpDisconnectedException($"the QEMU monitor client for {_endpoint} was disposed", new ObjectDisposedException(nameof(QmpClient))));
        try
        {
            await _readLoop;
        }
        catch
        {
            // The read loop reports through Close; nothing more to observe here.
        }
        _closing.Dispose();
    }

    private sealed class PendingCommand(string name)
    {
        public string Name { get; } = name;
        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vireo.Qmp.Qga;

/// <summary>
/// A typed client of the QEMU guest agent (qemu-ga) on the host end of its virtio-serial channel. The agent runs
/// in the guest and is untrusted: answers are size-capped and validated (UTF-8, JSON, the request id), strings
/// taken from it are length-capped, and every call has a timeout. The agent handles one command at a time and has
/// no sessions, so one client must be used by one caller at a time; it is not thread-safe.
/// After a timeout or a protocol error the client is broken: dispose it and connect again (the next connect's
/// <c>guest-sync-delimited</c> discards whatever late answer is still in the channel).
/// </summary>
public sealed class QgaClient : IAsyncDisposable
{
    /// <summary>Most bytes of a guest command's stdout or stderr kept (default of <see cref="ExecStatusAsync"/>).</summary>
    public const int DefaultMaxOutputBytes = 1024 * 1024;

    private const int MaxStringChars = 4096;

    private readonly Stream _stream;
    private readonly QgaLineReader _reader;
    private readonly QgaClientOptions _options;
    private long _nextId = Random.Shared.NextInt64(1, 1L << 40);
    private bool _broken;
    private bool _disposed;

    private QgaClient(Stream stream, QgaClientOptions options)
    {
        _stream = stream;
        _options = options;
        _reader = new QgaLineReader(stream, options.Trace);
    }

    /// <summary>
    /// Connects to the agent's chardev socket and synchronises with <c>guest-sync-delimited</c>, discarding any
    /// stale bytes. Everything (connect and sync) must finish within <see cref="QgaClientOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="QgaNotAnsweringException">No socket, refused, or no sync answer in time.</exception>
    /// <exception cref="QgaProtocolException">The agent sent a flood or garbage instead of the sync answer.</exception>
    public static async Task<QgaClient> ConnectAsync(string unixSocketPath, QgaClientOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(unixSocketPath);
        options ??= QgaClientOptions.Default;
        if (!Path.Exists(unixSocketPath))
            throw new QgaNotAnsweringException($"the guest agent socket {unixSocketPath} does not exist (the VM has no agent channel, or QEMU is not running)");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(unixSocketPath), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ArgumentOutOfRangeException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            socket.Dispose();
            throw new QgaNotAnsweringException($"cannot connect to the guest agent socket {unixSocketPath}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return await SyncAsync(new NetworkStream(socket, ownsSocket: true), options, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Synchronises over an already-open stream (tests); the client owns and disposes it.</summary>
    public static async Task<QgaClient> ConnectAsync(Stream stream, QgaClientOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= QgaClientOptions.Default;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        return await SyncAsync(stream, options, timeout, ct).ConfigureAwait(false);
    }

    private static async Task<QgaClient> SyncAsync(Stream stream, QgaClientOptions options, CancellationTokenSource timeout, CancellationToken ct)
    {
        var client = new QgaClient(stream, options);
        try
        {
            await client.SyncCoreAsync(timeout.Token).ConfigureAwait(false);
            return client;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new QgaNotAnsweringException($"the guest agent did not answer guest-sync-delimited within {Seconds(options.ConnectTimeout)} (no agent running in the guest, or the guest is still booting or stalled)");
        }
        catch (IOException e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new QgaNotAnsweringException($"the guest agent's channel failed: {e.Message}", e);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// 0xFF first: qemu-ga resets its JSON parser on an invalid byte, dropping whatever half-command an earlier
    /// client left. Then guest-sync-delimited with a fresh id: the answer is 0xFF + {"return": id}; everything before
    /// the sentinel, and sync answers with other ids, are stale and skipped (bounded by MaxDiscardBytes).
    /// </summary>
    private async Task SyncCoreAsync(CancellationToken ct)
    {
        var id = Random.Shared.NextInt64(1, 1L << 52);
        await WriteAsync([QgaLineReader.Sentinel], ct).ConfigureAwait(false);
        await SendAsync("guest-sync-delimited", null, w => w.WriteNumber("id", id), ct).ConfigureAwait(false);
        var skipped = 0;
        while (true)
        {
            await _reader.SkipToSentinelAsync(_options.MaxDiscardBytes, ct).ConfigureAwait(false);
            var answer = await _reader.ReadMessageAsync(_options.MaxMessageBytes, ct).ConfigureAwait(false);
            if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("return", out var r)
                && r.ValueKind == JsonValueKind.Number && r.TryGetInt64(out var got) && got == id)
                return;
            if (++skipped > 16)
                throw new QgaProtocolException("the guest agent kept sending answers that do not match the sync request");
        }
    }

    /// <summary><c>guest-ping</c>: whether the agent answers.</summary>
    public Task PingAsync(CancellationToken ct = default) => CallAsync("guest-ping", null, null, null, ct);

    /// <summary><c>guest-info</c>: version and enabled commands.</summary>
    public async Task<QgaInfo> GetInfoAsync(CancellationToken ct = default)
    {
        var r = await CallAsync("guest-info", null, null, null, ct).ConfigureAwait(false);
        var commands = new List<string>();
        if (r.TryGetProperty("supported_commands", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var c in list.EnumerateArray().Take(1000))
                if (Str(c, "name") is { } n && (!c.TryGetProperty("enabled", out var en) || en.ValueKind != JsonValueKind.False))
                    commands.Add(n);
        return new QgaInfo(Str(r, "version") ?? "unknown", commands);
    }

    /// <summary><c>guest-get-osinfo</c>.</summary>
    public async Task<QgaOsInfo> GetOsInfoAsync(CancellationToken ct = default)
    {
        var r = await CallAsync("guest-get-osinfo", null, null, null, ct).ConfigureAwait(false);
        return new QgaOsInfo
        {
            Id = Str(r, "id"),
            Name = Str(r, "name"),
            PrettyName = Str(r, "pretty-name"),
            Version = Str(r, "version"),
            VersionId = Str(r, "version-id"),
            KernelRelease = Str(r, "kernel-release"),
            Machine = Str(r, "machine"),
        };
    }

    /// <summary><c>guest-get-host-name</c>.</summary>
    public async Task<string> GetHostNameAsync(CancellationToken ct = default)
    {
        var r = await CallAsync("guest-get-host-name", null, null, null, ct).ConfigureAwait(false);
        return Str(r, "host-name") ?? throw Bad("guest-get-host-name", "has no host-name");
    }

    /// <summary><c>guest-network-get-interfaces</c>; addresses that do not parse as IP addresses are dropped.</summary>
    public async Task<IReadOnlyList<QgaInterface>> GetNetworkInterfacesAsync(CancellationToken ct = default)
    {
        var r = await CallAsync("guest-network-get-interfaces", null, null, null, ct).ConfigureAwait(false);
        if (r.ValueKind != JsonValueKind.Array)
            throw Bad("guest-network-get-interfaces", "is not a list");
        var result = new List<QgaInterface>();
        foreach (var i in r.EnumerateArray().Take(256))
        {
            var addresses = new List<QgaAddress>();
            if (i.ValueKind == JsonValueKind.Object && i.TryGetProperty("ip-addresses", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var a in list.EnumerateArray().Take(256))
                    if (Str(a, "ip-address") is { } ip && IPAddress.TryParse(ip, out var parsed) && Int(a, "prefix") is { } prefix and >= 0 and <= 128)
                        addresses.Add(new QgaAddress(parsed.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4", parsed.ToString(), (int)prefix));
            result.Add(new QgaInterface(Str(i, "name") ?? "?", Str(i, "hardware-address"), addresses));
        }
        return result;
    }

    /// <summary>
    /// <c>guest-exec</c>: starts <paramref name="path"/> with <paramref name="args"/> (no shell), output captured.
    /// Returns the guest PID; poll <see cref="ExecStatusAsync"/>.
    /// </summary>
    public async Task<long> ExecAsync(string path, IReadOnlyList<string> args, byte[]? input, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var r = await CallAsync("guest-exec", w =>
        {
            w.WriteString("path", path);
            w.WriteStartArray("arg");
            foreach (var a in args) w.WriteStringValue(a);
            w.WriteEndArray();
            if (input is { Length: > 0 }) w.WriteBase64String("input-data", input);
            w.WriteBoolean("capture-output", true);
        }, null, null, ct).ConfigureAwait(false);
        return Int(r, "pid") ?? throw Bad("guest-exec", "has no pid");
    }

    /// <summary><c>guest-exec-status</c>; each of stdout and stderr is cut to <paramref name="maxOutputBytes"/>.</summary>
    public async Task<QgaExecStatus> ExecStatusAsync(long pid, int maxOutputBytes = DefaultMaxOutputBytes, CancellationToken ct = default)
    {
        var r = await CallAsync("guest-exec-status", w => w.WriteNumber("pid", pid), null, _options.MaxExecStatusBytes, ct).ConfigureAwait(false);
        if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("exited", out var exited) || exited.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw Bad("guest-exec-status", "has no 'exited'");
        var (stdout, outCut) = Output(r, "out-data", maxOutputBytes);
        var (stderr, errCut) = Output(r, "err-data", maxOutputBytes);
        return new QgaExecStatus
        {
            Exited = exited.GetBoolean(),
            ExitCode = Int(r, "exitcode") is { } code ? (int)Math.Clamp(code, int.MinValue, int.MaxValue) : null,
            Signal = Int(r, "signal") is { } sig ? (int)Math.Clamp(sig, 0, 1024) : null,
            Stdout = stdout,
            Stderr = stderr,
            Truncated = outCut || errCut || Bool(r, "out-truncated") || Bool(r, "err-truncated"),
        };
    }

    /// <summary>
    /// <c>guest-shutdown</c>. The agent sends no answer when it works (the guest goes down), only an error when it
    /// cannot; an error that comes within <paramref name="errorWait"/> is thrown, silence is success.
    /// </summary>
    public async Task ShutdownAsync(QgaShutdownMode mode, TimeSpan errorWait, CancellationToken ct = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        EnsureUsable();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(errorWait);
        try
        {
            await SendAsync("guest-shutdown", id, w => w.WriteString("mode", mode.ToString().ToLowerInvariant()), timeout.Token).ConfigureAwait(false);
            var answer = await _reader.ReadMessageAsync(_options.MaxMessageBytes, timeout.Token).ConfigureAwait(false);
            CheckAnswer("guest-shutdown", id, answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // No answer: the agent is shutting the guest down.
        }
        catch (QgaNotAnsweringException)
        {
            // The channel closed: the guest (or its agent) went down.
        }
        finally
        {
            _broken = true;
        }
    }

    /// <summary><c>guest-set-user-password</c> with crypted=false: the agent hashes it. The password is never traced.</summary>
    public Task SetUserPasswordAsync(string user, string password, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        return CallAsync("guest-set-user-password", w =>
        {
            w.WriteString("username", user);
            w.WriteBase64String("password", Encoding.UTF8.GetBytes(password));
            w.WriteBoolean("crypted", false);
        }, null, null, ct, secret: true);
    }

    /// <summary><c>guest-fsfreeze-freeze</c>: returns how many file systems were frozen.</summary>
    public async Task<int> FsFreezeAsync(TimeSpan? timeout = null, CancellationToken ct = default) =>
        (int)Math.Clamp(Number(await CallAsync("guest-fsfreeze-freeze", null, timeout, null, ct).ConfigureAwait(false), "guest-fsfreeze-freeze"), 0, 100000);

    /// <summary><c>guest-fsfreeze-thaw</c>: returns how many file systems were thawed.</summary>
    public async Task<int> FsThawAsync(TimeSpan? timeout = null, CancellationToken ct = default) =>
        (int)Math.Clamp(Number(await CallAsync("guest-fsfreeze-thaw", null, timeout, null, ct).ConfigureAwait(false), "guest-fsfreeze-thaw"), 0, 100000);

    /// <summary><c>guest-fsfreeze-status</c>: <c>thawed</c> or <c>frozen</c>.</summary>
    public async Task<string> FsFreezeStatusAsync(CancellationToken ct = default)
    {
        var r = await CallAsync("guest-fsfreeze-status", null, null, null, ct).ConfigureAwait(false);
        return r.ValueKind == JsonValueKind.String && r.GetString() is "thawed" or "frozen" ? r.GetString()! : throw Bad("guest-fsfreeze-status", "is neither thawed nor frozen");
    }

    /// <summary>
    /// Sends one command and waits for its answer's <c>return</c> value.
    /// </summary>
    /// <exception cref="QgaNotAnsweringException">No answer within the timeout, or the channel closed.</exception>
    /// <exception cref="QgaProtocolException">An invalid answer.</exception>
    /// <exception cref="QgaCommandException">The agent answered with an error.</exception>
    public async Task<JsonElement> CallAsync(string command, Action<Utf8JsonWriter>? arguments, TimeSpan? timeout, int? maxBytes,
        CancellationToken ct, bool secret = false)
    {
        EnsureUsable();
        var limit = timeout ?? _options.CommandTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (limit != Timeout.InfiniteTimeSpan) cts.CancelAfter(limit);
        var id = Interlocked.Increment(ref _nextId);
        try
        {
            await SendAsync(command, id, arguments, cts.Token, secret).ConfigureAwait(false);
            var answer = await _reader.ReadMessageAsync(maxBytes ?? _options.MaxMessageBytes, cts.Token).ConfigureAwait(false);
            return CheckAnswer(command, id, answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _broken = true;
            throw new QgaNotAnsweringException($"the guest agent did not answer {command} within {Seconds(limit)}");
        }
        catch (IOException e)
        {
            _broken = true;
            throw new QgaNotAnsweringException($"the guest agent's channel failed during {command}: {e.Message}", e);
        }
        catch (QgaException e) when (e is not QgaCommandException)
        {
            _broken = true;
            throw;
        }
        catch (OperationCanceledException)
        {
            _broken = true;
            throw;
        }
    }

    private static JsonElement CheckAnswer(string command, long id, JsonElement answer)
    {
        if (answer.ValueKind != JsonValueKind.Object)
            throw Bad(command, "is not a JSON object");
        // qemu-ga copies the request's id into its answer; an answer with another id belongs to someone else.
        if (answer.TryGetProperty("id", out var got) && !(got.ValueKind == JsonValueKind.Number && got.TryGetInt64(out var n) && n == id))
            throw new QgaProtocolException($"the guest agent answered another request (id {QgaLineReader.Sanitize(got.GetRawText(), 40)}) instead of {command} (id {id})");
        if (answer.TryGetProperty("error", out var error))
            throw new QgaCommandException(command, Str(error, "class") ?? "GenericError", Str(error, "desc") ?? "no description");
        if (answer.TryGetProperty("return", out var result))
            return result;
        throw Bad(command, "has neither 'return' nor 'error'");
    }

    private async Task SendAsync(string command, long? id, Action<Utf8JsonWriter>? arguments, CancellationToken ct, bool secret = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("execute", command);
            if (arguments is not null)
            {
                w.WriteStartObject("arguments");
                arguments(w);
                w.WriteEndObject();
            }
            if (id is { } i) w.WriteNumber("id", i);
            w.WriteEndObject();
        }
        _options.Trace?.Invoke("-> " + (secret ? $"{{\"execute\":\"{command}\", (arguments not traced)}}" : Encoding.UTF8.GetString(buffer.WrittenSpan)));
        var bytes = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(bytes);
        bytes[^1] = (byte)'\n';
        await WriteAsync(bytes, ct).ConfigureAwait(false);
        if (secret) Array.Clear(bytes);
    }

    private async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        await _stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        await _stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private void EnsureUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
            throw new InvalidOperationException("This guest agent connection failed earlier; connect again.");
    }

    private static (byte[] Data, bool Cut) Output(JsonElement r, string name, int max)
    {
        if (!r.TryGetProperty(name, out var data) || data.ValueKind != JsonValueKind.String)
            return ([], false);
        byte[] bytes;
        try
        {
            bytes = data.GetBytesFromBase64();
        }
        catch (FormatException e)
        {
            throw new QgaProtocolException($"the guest agent's {name} is not base64", e);
        }
        return bytes.Length > max ? (bytes[..max], true) : (bytes, false);
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? QgaLineReader.Sanitize(v.GetString()!, MaxStringChars)
            : null;

    private static long? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Number(JsonElement e, string command) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) ? n : throw Bad(command, "is not a number");

    private static QgaProtocolException Bad(string command, string what) => new($"the guest agent's answer to {command} {what}");

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}

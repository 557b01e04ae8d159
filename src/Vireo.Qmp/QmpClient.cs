using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Vireo.Qmp.Framing;

namespace Vireo.Qmp;

/// <summary>
/// An asynchronous client for one QEMU monitor (QMP) connection. Thread-safe: many commands may be in flight at once
/// from different threads; replies are matched to commands by id while events stream through <see cref="Events"/>.
/// Knows nothing of VMs: it speaks the protocol, the caller decides what the commands mean.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private static readonly TimeSpan DisposeGrace = TimeSpan.FromSeconds(2);

    private readonly Stream _stream;
    private readonly QmpClientOptions _options;
    private readonly Action<string>? _trace;
    private readonly QmpMessageReader _reader;
    private readonly QmpMessageWriter _writer;
    private readonly PendingCallTable _pending = new();
    private readonly Channel<QmpEvent> _events =
        Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _jobChangeLock = new();
    private TaskCompletionSource _jobChange = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private Task? _readLoop;
    private Exception? _closeCause;
    private int _disposed;

    private QmpClient(Stream stream, QmpClientOptions options)
    {
        _stream = stream;
        _options = options;
        _trace = options.Trace is { } trace ? line => SafeTrace(trace, line) : null;
        _reader = new QmpMessageReader(stream, options.MaxMessageBytes, _trace);
        _writer = new QmpMessageWriter(stream, _trace);
    }

    /// <summary>QEMU's greeting: its version and offered capabilities.</summary>
    public QmpGreeting Greeting { get; private set; } = null!;

    /// <summary>The options this client was created with.</summary>
    public QmpClientOptions Options => _options;

    /// <summary>
    /// Events in arrival order. Events that nobody has read yet are buffered without limit. The channel completes
    /// (without error) when the connection ends. Each event is delivered once: give the channel a single reader (the
    /// VM's event loop) and fan out from there, since competing readers would each see only some events.
    /// </summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>
    /// Completes at the next <c>JOB_STATUS_CHANGE</c> event (or when the connection ends), whoever reads
    /// <see cref="Events"/>: a caller following a job takes this before it queries the job's state, then waits on it,
    /// so that the job's end is seen when QEMU announces it rather than at the next poll.
    /// </summary>
    public Task NextJobChange()
    {
        if (!IsConnected)
            return Task.CompletedTask;
        lock (_jobChangeLock)
            return _jobChange.Task;
    }

    private void PulseJobChange()
    {
        TaskCompletionSource pulsed;
        lock (_jobChangeLock)
        {
            pulsed = _jobChange;
            _jobChange = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        pulsed.TrySetResult();
    }

    /// <summary>Completes when the connection closes for any reason (QEMU exited, protocol error, disposal). Never faults.</summary>
    public Task Disconnected => _disconnected.Task;

    /// <summary>True until the connection closes.</summary>
    public bool IsConnected => !_disconnected.Task.IsCompleted;

    /// <summary>Runs a typed command with the default timeout (<see cref="QmpClientOptions.CommandTimeout"/>).</summary>
    /// <param name="command">The command.</param>
    /// <param name="ct">Cancels the wait (the result is then discarded); throws <see cref="OperationCanceledException"/>.</param>
    /// <typeparam name="TResult">The command's result type.</typeparam>
    /// <returns>The parsed <c>"return"</c> value.</returns>
    /// <exception cref="QmpCommandException">QEMU answered with an error.</exception>
    /// <exception cref="QmpTimeoutException">No answer within the timeout; the connection stays usable.</exception>
    /// <exception cref="QmpDisconnectedException">The connection closed before the answer.</exception>
    /// <exception cref="QmpProtocolException">The stream broke (malformed JSON) or the reply has the wrong shape.</exception>
    public Task<TResult> ExecuteAsync<TResult>(QmpCommand<TResult> command, CancellationToken ct = default) =>
        ExecuteAsync(command, _options.CommandTimeout, ct);

    /// <summary>Runs a typed command with its own timeout (e.g. a long <c>blockdev-add</c> on slow storage).</summary>
    /// <param name="command">The command.</param>
    /// <param name="timeout">How long to wait for the answer; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="ct">Cancels the wait; throws <see cref="OperationCanceledException"/>.</param>
    /// <typeparam name="TResult">The command's result type.</typeparam>
    /// <returns>The parsed <c>"return"</c> value.</returns>
    public async Task<TResult> ExecuteAsync<TResult>(QmpCommand<TResult> command, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var result = await SendAsync(command.Name, command.BuildArguments(), timeout, ct).ConfigureAwait(false);
        try
        {
            return command.ParseResult(result);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new QmpProtocolException($"QEMU's reply to '{command.Name}' does not have the expected shape: {ex.Message}", ex);
        }
    }

    /// <summary>Runs any command by name and returns its raw <c>"return"</c> value, with the default timeout.</summary>
    /// <param name="name">The QMP command name.</param>
    /// <param name="arguments">The <c>"arguments"</c> object, or <c>null</c>.</param>
    /// <param name="ct">Cancels the wait; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>QEMU's <c>"return"</c> value (a self-contained element that outlives the client).</returns>
    public Task<JsonElement> ExecuteRawAsync(string name, JsonObject? arguments = null, CancellationToken ct = default) =>
        ExecuteRawAsync(name, arguments, _options.CommandTimeout, ct);

    /// <summary>Runs any command by name with its own timeout and returns its raw <c>"return"</c> value.</summary>
    /// <param name="name">The QMP command name.</param>
    /// <param name="arguments">The <c>"arguments"</c> object, or <c>null</c>.</param>
    /// <param name="timeout">How long to wait for the answer; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="ct">Cancels the wait; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>QEMU's <c>"return"</c> value.</returns>
    public Task<JsonElement> ExecuteRawAsync(string name, JsonObject? arguments, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return SendAsync(name, arguments, timeout, ct);
    }

    /// <summary>
    /// Sends <c>quit</c>. QEMU may close the socket before or right after replying; a disconnect after the command
    /// was sent counts as success. Completes when the reply or the disconnect arrives; await <see cref="Disconnected"/>
    /// (or the process) to know QEMU is gone.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <exception cref="QmpDisconnectedException">The connection was already closed, so <c>quit</c> was never sent.</exception>
    public async Task QuitAsync(CancellationToken ct = default)
    {
        try
        {
            await ExecuteAsync(QmpCommands.Quit(), ct).ConfigureAwait(false);
        }
        catch (QmpDisconnectedException ex) when (ex.CommandWasSent)
        {
            _trace?.Invoke("QMP quit: QEMU closed the monitor before its reply arrived; counted as success");
        }
    }

    /// <summary>Closes the connection. Pending commands fail with <see cref="QmpDisconnectedException"/>; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        RequestClose(null);
        if (_readLoop is not { } loop)
        {
            CloseConnection(null);
            return;
        }

        // Socket streams honour the cancellation at once; a stream that ignores it is unblocked by closing it.
        if (await Task.WhenAny(loop, Task.Delay(DisposeGrace)).ConfigureAwait(false) != loop)
        {
            DisposeStreamQuietly();
        }

        await loop.ConfigureAwait(false);
    }

    /// <summary>
    /// QMP <c>getfd</c>: hands QEMU <paramref name="fd"/> (a copy; the caller keeps and closes its own) under
    /// <paramref name="fdName"/>, for a later command that takes a descriptor name (netdev_add tap fd=NAME).
    /// </summary>
    public async Task GetFdAsync(string fdName, int fd, CancellationToken ct = default) =>
        await SendAsync("getfd", new JsonObject { ["fdname"] = fdName }, TimeSpan.FromSeconds(30), ct, fd).ConfigureAwait(false);

    /// <summary>QMP <c>closefd</c>: drops a descriptor given with <see cref="GetFdAsync"/> and not used.</summary>
    public async Task CloseFdAsync(string fdName, CancellationToken ct = default) =>
        await SendAsync("closefd", new JsonObject { ["fdname"] = fdName }, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);

    private async Task<JsonElement> SendAsync(string name, JsonObject? arguments, TimeSpan timeout, CancellationToken ct, int passFd = -1)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (timeout != Timeout.InfiniteTimeSpan && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A command timeout must be positive or infinite");
        }

        ct.ThrowIfCancellationRequested();
        var call = _pending.Register(name);
        if (call.Completion.Task.IsCompleted)
        {
            return await call.Completion.Task.ConfigureAwait(false);
        }

        byte[] message;
        try
        {
            message = QmpMessageWriter.Serialize(call.Id, name, arguments);
        }
        catch
        {
            _pending.Remove(call.Id);
            throw;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        try
        {
            try
            {
                await _writer.WriteAsync(message, call.MarkWriting, deadline.Token, _lifetime.Token, passFd).ConfigureAwait(false);
            }
            catch (Exception ex) when (!deadline.IsCancellationRequested || call.WasSent)
            {
                // The stream is broken; closing the connection fails this call (and all others) consistently.
                RequestClose(ex);
            }

            return await call.Completion.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            _pending.Remove(call.Id);
            if (call.Completion.Task.IsCompleted)
            {
                return await call.Completion.Task.ConfigureAwait(false);
            }

            ct.ThrowIfCancellationRequested();
            throw new QmpTimeoutException(name, timeout);
        }
    }

    private static void SafeTrace(Action<string> trace, string line)
    {
        try
        {
            trace(line);
        }
        catch (Exception)
        {
            // A faulty log sink must not break the connection.
        }
    }
}

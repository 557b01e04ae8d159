using System.Net.Sockets;
using System.Text.Json;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

public sealed partial class QmpClient
{
    /// <summary>
    /// Connects to QEMU's monitor socket (<c>-chardev socket,path=...,server=on -mon ...,mode=control</c>), reads the
    /// greeting and leaves capabilities-negotiation mode. Fails fast when the socket is missing or not yet listening
    /// (<see cref="QmpConnectException.IsTransient"/>): retrying while QEMU starts is the caller's choice, since only
    /// it knows whether the process is still alive.
    /// </summary>
    /// <param name="unixSocketPath">Path of the Unix socket.</param>
    /// <param name="options">Client options, or <c>null</c> for <see cref="QmpClientOptions.Default"/>.</param>
    /// <param name="ct">Cancels connecting; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A connected client.</returns>
    /// <exception cref="QmpConnectException">The socket is missing or refused, or the handshake failed or timed out.</exception>
    public static async Task<QmpClient> ConnectAsync(string unixSocketPath, QmpClientOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(unixSocketPath);
        options ??= QmpClientOptions.Default;
        UnixDomainSocketEndPoint endpoint;
        try
        {
            endpoint = new UnixDomainSocketEndPoint(unixSocketPath);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new QmpConnectException(unixSocketPath,
                $"The QMP socket path '{unixSocketPath}' is too long for a Unix socket (at most 107 bytes)", ex);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var transient = ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable
                || !Path.Exists(unixSocketPath);
            throw new QmpConnectException(unixSocketPath,
                $"Cannot connect to the QMP socket '{unixSocketPath}': {Explain(unixSocketPath, ex)}", ex, transient);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new QmpConnectException(unixSocketPath, $"Connecting to the QMP socket '{unixSocketPath}' took longer than {options.ConnectTimeout}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await HandshakeAsync(new NetworkStream(socket, ownsSocket: true), unixSocketPath, options, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the QMP handshake over an already-open duplex stream (a socket connected elsewhere, or an in-memory
    /// stream in tests). The client takes ownership of the stream and disposes it, also when connecting fails.
    /// </summary>
    /// <param name="stream">A readable and writable stream to QEMU's monitor.</param>
    /// <param name="options">Client options, or <c>null</c> for <see cref="QmpClientOptions.Default"/>.</param>
    /// <param name="ct">Cancels connecting; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A connected client.</returns>
    /// <exception cref="QmpConnectException">No greeting, a malformed greeting, or a failed negotiation.</exception>
    public static Task<QmpClient> ConnectAsync(Stream stream, QmpClientOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return HandshakeAsync(stream, null, options ?? QmpClientOptions.Default, ct);
    }

    private static async Task<QmpClient> HandshakeAsync(Stream stream, string? socketPath, QmpClientOptions options, CancellationToken ct)
    {
        var client = new QmpClient(stream, options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            client.Greeting = await client.ReadGreetingAsync(socketPath, timeout.Token).ConfigureAwait(false);
            client._readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            var capabilities = QmpCommands.QmpCapabilities();
            await client.SendAsync(capabilities.Name, null, Timeout.InfiniteTimeSpan, timeout.Token).ConfigureAwait(false);
            client._trace?.Invoke($"QMP connected to QEMU {client.Greeting.Version.Qemu} ({client.Greeting.Version.Package})");
            return client;
        }
        catch (Exception ex)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw ex switch
            {
                QmpConnectException => ex,
                OperationCanceledException => new QmpConnectException(socketPath,
                    $"QEMU did not complete the QMP handshake within {options.ConnectTimeout} " +
                    "(QEMU serves one monitor client at a time: is another client connected?)"),
                _ => new QmpConnectException(socketPath, $"The QMP handshake failed: {ex.Message}", ex),
            };
        }
    }

    private async Task<QmpGreeting> ReadGreetingAsync(string? socketPath, CancellationToken ct)
    {
        var message = await _reader.ReadAsync(ct).ConfigureAwait(false)
            ?? throw new QmpConnectException(socketPath, "QEMU closed the monitor connection before sending its greeting");
        try
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("QMP", out _))
            {
                throw new JsonException("the first message has no \"QMP\" member");
            }

            var body = message.Deserialize(QmpJsonContext.Default.GreetingMessage)!.Qmp;
            return new QmpGreeting(body.Version, body.Capabilities);
        }
        catch (JsonException ex)
        {
            throw new QmpConnectException(socketPath, "The peer did not greet like a QEMU monitor in control mode",
                new QmpProtocolException($"Not a QMP greeting: {ex.Message}", ex));
        }
    }

    private static string Explain(string path, SocketException ex) => ex.SocketErrorCode switch
    {
        // .NET reports ENOENT on connect() to a Unix socket path as AddressNotAvailable.
        SocketError.AddressNotAvailable => "the socket does not exist (QEMU not started yet, or already exited)",
        _ when !Path.Exists(path) => "the socket does not exist (QEMU not started yet, or already exited)",
        SocketError.ConnectionRefused => "nobody is listening (QEMU is not listening yet, or exited and left the socket file behind)",
        SocketError.AccessDenied => "permission denied",
        _ => ex.Message,
    };
}

using System.Net.Sockets;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    private ConsoleSession? _console;

    /// <summary>
    /// Connects to the VM's serial console socket. QEMU serves one client at a time, so Vireo allows one attached
    /// console per VM; <paramref name="force"/> disconnects the current one, as `virsh console --force` does.
    /// </summary>
    public async Task<ConsoleSession> AttachConsoleAsync(bool force, CancellationToken ct)
    {
        ThrowIfRefused(VmAction.Console);
        if (!Spec.Serial)
            throw new InvalidStateException($"VM \"{Name}\" has no serial console (serial: false in its spec)");
        ConsoleSession? previous;
        lock (_gate)
        {
            previous = _console is { IsClosed: false } ? _console : null;
            if (previous is not null && !force)
                throw new BusyException($"the console of VM \"{Name}\" is already attached by another client")
                {
                    Hint = $"Take it over: vireo console {Name} --force",
                };
        }
        if (previous is not null)
            await previous.CloseAsync();

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Paths.ConsoleSocket), timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            ct.ThrowIfCancellationRequested();
            throw new QemuFailedException($"cannot connect to the serial console of VM \"{Name}\" at {Paths.ConsoleSocket}: {e.Message}", e);
        }
        var session = new ConsoleSession(socket);
        lock (_gate)
            _console = session;
        return session;
    }
}

/// <summary>An attached serial console: a byte stream to and from the guest's ttyS0.</summary>
public sealed class ConsoleSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private int _closed;

    internal ConsoleSession(Socket socket)
    {
        _socket = socket;
        Stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>Read what the guest prints; write what it should read.</summary>
    public Stream Stream { get; }

    /// <summary>Completes when the session is taken over by another client or closed.</summary>
    public CancellationToken Closed => _closedSource.Token;

    private readonly CancellationTokenSource _closedSource = new();

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        await _closedSource.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        await Stream.DisposeAsync();
        _socket.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => CloseAsync();
}

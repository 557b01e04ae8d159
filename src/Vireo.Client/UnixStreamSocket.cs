using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Vireo.Client;

/// <summary>
/// A connected AF_UNIX stream socket on plain libc calls. Not System.Net.Sockets.Socket: creating the first one
/// starts .NET's socket event loop (an epoll instance and a thread the creating thread spins until it runs), and a
/// thread more to end at exit, which a CLI that makes one or two blocking requests pays on every run (about 1 ms
/// here). Blocking calls are the normal path; the asynchronous ones (streamed bodies, the console's WebSocket) run
/// the blocking call on a thread-pool thread, and cancelling one shuts the socket down: after that the connection is
/// finished, as every caller treats it. Failures are <see cref="SocketException"/>s with the codes .NET would give.
/// </summary>
internal sealed partial class UnixStreamSocket : IDisposable
{
    private const int AF_UNIX = 1;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int SHUT_RDWR = 2;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int EINTR = 4;
    /// <summary>sun_path's size in struct sockaddr_un, with its terminating NUL.</summary>
    private const int MaxPathBytes = 108;

    private readonly Handle _handle;

    private UnixStreamSocket(Handle handle) => _handle = handle;

    /// <summary>Connects to the socket at <paramref name="path"/>.</summary>
    public static UnixStreamSocket Connect(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length >= MaxPathBytes)
            throw new SocketException((int)SocketError.InvalidArgument, $"the socket path is {bytes.Length} bytes long; a Unix socket path has at most {MaxPathBytes - 1}");
        // struct sockaddr_un: sa_family_t (2 bytes, host order), then the NUL-terminated path.
        var address = new byte[2 + bytes.Length + 1];
        BitConverter.TryWriteBytes(address.AsSpan(0, 2), (ushort)AF_UNIX);
        bytes.CopyTo(address, 2);
        var fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Error(Marshal.GetLastPInvokeError());
        var handle = new Handle(fd);
        try
        {
            while (connect(fd, address, address.Length) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                    throw Error(errno);
            }
            return new UnixStreamSocket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Blocks until some bytes arrive; 0 at the end of the stream (or after <see cref="Shutdown"/>).</summary>
    public unsafe int Receive(Span<byte> buffer) => Transfer(buffer, &recv, 0);

    /// <summary>Sends some of <paramref name="buffer"/> (blocking while the peer's buffer is full); returns how much.</summary>
    // MSG_NOSIGNAL: a peer that went away is an EPIPE error here, not a SIGPIPE for the process.
    public unsafe int Send(ReadOnlySpan<byte> buffer) => Transfer(buffer, &send, MSG_NOSIGNAL);

    /// <summary>One recv or send on the pinned buffer, retried after EINTR; the descriptor cannot close meanwhile.</summary>
    private unsafe int Transfer(ReadOnlySpan<byte> buffer, delegate*<int, byte*, nuint, int, nint> call, int flags)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    var n = call((int)_handle.DangerousGetHandle(), p, (nuint)buffer.Length, flags);
                    if (n >= 0)
                        return (int)n;
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != EINTR)
                        throw Error(errno);
                }
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>Sends all of <paramref name="buffer"/>.</summary>
    public void SendAll(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
            buffer = buffer[Send(buffer)..];
    }

    public Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct) =>
        OffThreadAsync(() => Receive(buffer.Span), ct);

    public Task SendAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct) =>
        OffThreadAsync(() =>
        {
            SendAll(buffer.Span);
            return 0;
        }, ct);

    private async Task<int> OffThreadAsync(Func<int> call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using (ct.Register(static state => ((UnixStreamSocket)state!).Shutdown(), this))
        {
            int n;
            try
            {
                n = await Task.Run(call, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException && ct.IsCancellationRequested)
            {
                throw new OperationCanceledException("cancelled", e, ct);
            }
            // A receive woken by the shutdown returns 0, which is not the peer ending the stream.
            ct.ThrowIfCancellationRequested();
            return n;
        }
    }

    /// <summary>Ends both directions: a call blocked on the socket in another thread returns at once.</summary>
    public void Shutdown()
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            shutdown((int)_handle.DangerousGetHandle(), SHUT_RDWR);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>Closes the descriptor once no call is using it (a blocked call should be woken by <see cref="Shutdown"/> first).</summary>
    public void Dispose() => _handle.Dispose();

    private static SocketException Error(int errno)
    {
        var code = errno switch
        {
            1 or 13 => SocketError.AccessDenied,      // EPERM, EACCES
            2 => SocketError.AddressNotAvailable,     // ENOENT: what .NET reports for a missing socket file
            11 => SocketError.TryAgain,               // EAGAIN: the listener's backlog is full
            32 => SocketError.Shutdown,               // EPIPE
            104 => SocketError.ConnectionReset,       // ECONNRESET
            107 => SocketError.NotConnected,          // ENOTCONN
            110 => SocketError.TimedOut,              // ETIMEDOUT
            111 => SocketError.ConnectionRefused,     // ECONNREFUSED
            _ => SocketError.SocketError,
        };
        return code == SocketError.SocketError
            ? new SocketException((int)code, Marshal.GetPInvokeErrorMessage(errno))
            : new SocketException((int)code);
    }

    private sealed class Handle : SafeHandleMinusOneIsInvalid
    {
        public Handle(int fd) : base(ownsHandle: true) => SetHandle(fd);

        protected override bool ReleaseHandle() => close((int)handle) == 0;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, byte[] address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}

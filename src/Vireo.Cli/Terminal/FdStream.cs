using System.Runtime.InteropServices;

namespace Vireo.Cli.Terminal;

/// <summary>
/// A standard stream as plain read(2)/write(2) on its file descriptor.
/// Not System.Console's streams: its stdin stream re-applies .NET's own terminal settings around every read (which
/// undoes the console's raw mode and turns ^C back into SIGINT). Not FileStream: on a regular file it does
/// positional I/O, so `vireo ... >> log` or `(vireo ...; echo) > out` would overwrite instead of append.
/// </summary>
internal sealed unsafe partial class FdStream(int fd, bool canRead) : Stream
{
    private const int EINTR = 4;
    private const int EPIPE = 32;

    public override bool CanRead => canRead;
    public override bool CanWrite => !canRead;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = read(fd, p, (nuint)buffer.Length);
                if (n >= 0)
                    return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                    throw new IOException($"read from fd {fd} failed: errno {errno}");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = write(fd, start + done, (nuint)(buffer.Length - done));
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                // The reader went away (`vireo list | head -1`): end quietly with the status a process killed by
                // SIGPIPE has, as other Unix tools do. .NET ignores SIGPIPE, so the write fails instead.
                if (errno == EPIPE)
                    Environment.Exit(ExitCodes.BrokenPipe);
                if (errno != EINTR)
                    throw new IOException($"write to fd {fd} failed: errno {errno}");
            }
        }
    }

    // Blocking calls on a pool thread: a terminal or pipe read cannot be cancelled anyway.
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        Task.Run(() => Read(buffer, offset, count), ct);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        new(Task.Run(() => Read(buffer.Span), ct));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
    {
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nuint count);
}

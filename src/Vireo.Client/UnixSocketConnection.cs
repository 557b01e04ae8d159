using System.Net.Sockets;
using System.Text;

namespace Vireo.Client;

internal sealed partial class UnixSocketHttpHandler
{
    /// <summary>
    /// One connection: a socket with a read buffer (the header read may take in the start of the body). Every read
    /// exists as a blocking call and as an asynchronous one (<c>sync</c> picks), so the framing code is written once.
    /// As a stream it is the raw, two-way connection handed over after a 101 answer.
    /// </summary>
    private sealed class Connection(UnixStreamSocket socket) : UnseekableStream
    {
        private readonly byte[] _buffer = new byte[16 * 1024];

        /// <summary>The request's token: once it is cancelled, a read that fails failed because of that.</summary>
        public CancellationToken RequestAborted { get; init; }
        private int _start;
        private int _end;

        public override bool CanRead => true;
        public override bool CanWrite => true;

        /// <summary>
        /// Ends any blocked call on the socket: shutdown wakes a blocked recv (close alone does not, and the descriptor
        /// is only closed once no call uses it). The socket is closed with the connection.
        /// </summary>
        public void Abort() => socket.Shutdown();

        /// <summary>The status line and header lines, up to the empty line; none when the peer closed first.</summary>
        public List<string> ReadHeaderLines(int maxBytes)
        {
            var lines = new List<string>();
            var total = 0;
            while (true)
            {
                var line = ReadLineAsync(sync: true, CancellationToken.None).GetAwaiter().GetResult();
                if (line is null)
                {
                    if (lines.Count == 0) return lines;
                    throw new IOException("vireod closed the connection in the middle of its answer's headers");
                }
                if (line.Length == 0) return lines;
                total += line.Length + 2;
                if (total > maxBytes)
                    throw new IOException($"vireod's answer has more than {maxBytes} bytes of headers");
                lines.Add(line);
            }
        }

        /// <summary>A CRLF-terminated line (without the CRLF), or null at the end of the stream.</summary>
        public async ValueTask<string?> ReadLineAsync(bool sync, CancellationToken ct)
        {
            var scanned = _start;
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
                if (newline >= 0)
                {
                    var end = newline > _start && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                    var line = Encoding.Latin1.GetString(_buffer, _start, end - _start);
                    _start = newline + 1;
                    return line;
                }
                scanned = _end;
                if (_start == 0 && _end == _buffer.Length)
                    throw new IOException("vireod sent a line longer than the read buffer");
                var before = _start;
                if (!await FillAsync(sync, ct).ConfigureAwait(false))
                    return null;
                scanned -= before - _start;
            }
        }

        /// <summary>Reads into <paramref name="destination"/>: buffered bytes first, then straight from the socket.</summary>
        public async ValueTask<int> ReadAsync(Memory<byte> destination, bool sync, CancellationToken ct)
        {
            if (destination.IsEmpty) return 0;
            if (TakeBuffered(destination.Span) is > 0 and var n) return n;
            return sync
                ? socket.Receive(destination.Span)
                : await socket.ReceiveAsync(destination, ct).ConfigureAwait(false);
        }

        /// <summary>Moves what is left to the front and receives more; false at the end of the stream.</summary>
        private async ValueTask<bool> FillAsync(bool sync, CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var free = _buffer.AsMemory(_end);
            var n = sync
                ? socket.Receive(free.Span)
                : await socket.ReceiveAsync(free, ct).ConfigureAwait(false);
            _end += n;
            return n > 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            if (TakeBuffered(buffer) is > 0 and var n) return n;
            return socket.Receive(buffer);
        }

        /// <summary>Moves bytes already read past the headers into <paramref name="destination"/>; 0 when there are none.</summary>
        private int TakeBuffered(Span<byte> destination)
        {
            var n = Math.Min(destination.Length, _end - _start);
            if (n <= 0) return 0;
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), sync: false, ct).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ReadAsync(buffer, sync: false, ct);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => socket.SendAll(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            new(socket.SendAllAsync(buffer, ct));

        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                socket.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A response body framed by Content-Length, by chunked transfer coding, or by the end of the connection.
    /// Disposing it closes the connection.
    /// </summary>
    private sealed class FramedBody(Connection connection, long? length, bool chunked) : UnseekableStream
    {
        private long? _remaining = chunked ? 0 : length;
        private bool _done = length == 0 && !chunked;

        public override bool CanRead => true;
        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // The blocking path through the shared code: a pooled array stands in for the span.
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                var n = ReadCoreAsync(rented.AsMemory(0, buffer.Length), sync: true, CancellationToken.None).GetAwaiter().GetResult();
                rented.AsSpan(0, n).CopyTo(buffer);
                return n;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadCoreAsync(buffer.AsMemory(offset, count), sync: false, ct).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ReadCoreAsync(buffer, sync: false, ct);

        private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool sync, CancellationToken ct)
        {
            try
            {
                return await ReadFramedAsync(buffer, sync, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException && connection.RequestAborted.IsCancellationRequested)
            {
                // Cancelling the request shuts the socket down, which a read sees as a connection cut short.
                throw new OperationCanceledException("the request to vireod was cancelled", e, connection.RequestAborted);
            }
        }

        private async ValueTask<int> ReadFramedAsync(Memory<byte> buffer, bool sync, CancellationToken ct)
        {
            if (_done || buffer.IsEmpty) return 0;
            if (!chunked)
            {
                var want = _remaining is { } left ? (int)Math.Min(left, buffer.Length) : buffer.Length;
                var n = await connection.ReadAsync(buffer[..want], sync, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    if (_remaining is > 0)
                        throw new IOException($"vireod closed the connection {_remaining} bytes before the end of its answer");
                    _done = true;
                    return 0;
                }
                if (_remaining is not null && (_remaining -= n) == 0) _done = true;
                return n;
            }
            if (_remaining == 0)
            {
                var sizeLine = await connection.ReadLineAsync(sync, ct).ConfigureAwait(false)
                    ?? throw new IOException("vireod closed the connection in the middle of a chunked answer");
                var semicolon = sizeLine.IndexOf(';');
                var hex = (semicolon >= 0 ? sizeLine[..semicolon] : sizeLine).Trim();
                if (!long.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var size) || size < 0)
                    throw new IOException($"vireod sent a malformed chunk size: {sizeLine}");
                if (size == 0)
                {
                    // Trailer lines, then the empty line that ends the message.
                    while (await connection.ReadLineAsync(sync, ct).ConfigureAwait(false) is { Length: > 0 })
                    {
                    }
                    _done = true;
                    return 0;
                }
                _remaining = size;
            }
            var read = await connection.ReadAsync(buffer[..(int)Math.Min(_remaining!.Value, buffer.Length)], sync, ct).ConfigureAwait(false);
            if (read == 0)
                throw new IOException("vireod closed the connection in the middle of a chunk");
            _remaining -= read;
            if (_remaining == 0 && await connection.ReadLineAsync(sync, ct).ConfigureAwait(false) is not "")
                throw new IOException("vireod sent a chunk without its closing CRLF");
            return read;
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                connection.Dispose();
            base.Dispose(disposing);
        }
    }
}

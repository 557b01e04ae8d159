using System.Text;
using System.Text.Json;

namespace Vireo.Qmp.Framing;

/// <summary>
/// Cuts the byte stream from QEMU into complete JSON messages. QEMU writes one message per line, but with
/// <c>-mon ...,pretty=on</c> a message spans many lines, so messages are framed by complete top-level JSON values,
/// not by newlines. Not thread-safe: one reader loop owns it.
/// </summary>
internal sealed class QmpMessageReader(Stream stream, int maxMessageBytes, Action<string>? trace)
{
    private const int InitialBufferBytes = 16 * 1024;

    private byte[] _buffer = new byte[InitialBufferBytes];
    private int _start;
    private int _end;
    private int _scanned;
    private int _blank;
    private JsonReaderState _scanState;

    /// <summary>
    /// Reads the next message. Returns <c>null</c> when the peer closed the stream (a half-written final message is
    /// dropped: QEMU died mid-write, which is a disconnect, not a protocol error).
    /// </summary>
    /// <exception cref="QmpProtocolException">Malformed JSON, or a message larger than the limit.</exception>
    public async ValueTask<JsonElement?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryFrame(out var message))
            {
                return message;
            }

            if (_end - _start >= maxMessageBytes)
            {
                throw new QmpProtocolException($"QEMU sent a message larger than {maxMessageBytes} bytes without completing it");
            }

            MakeRoom();
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end > _start)
                {
                    trace?.Invoke($"QMP stream ended inside a message; dropped {_end - _start} bytes");
                }

                return null;
            }

            _end += read;
        }
    }

    private bool TryFrame(out JsonElement message)
    {
        message = default;
        if (_scanned == 0)
        {
            while (_start < _end && IsJsonWhitespace(_buffer[_start]))
            {
                _start++;
                // Whitespace between messages is legal, but not without end: a peer that sends nothing else would
                // keep this loop busy forever.
                if (++_blank > maxMessageBytes)
                {
                    throw new QmpProtocolException($"QEMU sent more than {maxMessageBytes} bytes of whitespace without a message");
                }
            }
        }

        if (_start == _end)
        {
            return false;
        }

        var pending = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
        try
        {
            // Scans on from where the last call stopped (the reader's state carries over), so a large message that
            // arrives in many small reads costs one pass, not one pass per read.
            var reader = new Utf8JsonReader(pending.Span[_scanned..], isFinalBlock: false, state: _scanState);
            var complete = false;
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                {
                    complete = true;
                    break;
                }
            }

            _scanned += (int)reader.BytesConsumed;
            _scanState = reader.CurrentState;
            if (!complete)
            {
                return false;
            }

            var bytes = pending[.._scanned];
            _scanned = 0;
            _scanState = default;
            _blank = 0;
            // The JSON reader checks the structure, not the bytes inside strings: text that is not UTF-8 would fail
            // later, wherever a string is read, with an InvalidOperationException. QEMU always sends UTF-8.
            if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            {
                throw new QmpProtocolException($"QEMU sent a message that is not valid UTF-8: {Excerpt(bytes.Span)}");
            }

            trace?.Invoke("<- " + Encoding.UTF8.GetString(bytes.Span));
            using var document = JsonDocument.Parse(bytes);
            message = document.RootElement.Clone();
            _start += bytes.Length;
            return true;
        }
        catch (JsonException ex)
        {
            throw new QmpProtocolException($"QEMU sent malformed JSON: {Excerpt(pending.Span)}", ex);
        }
    }

    /// <summary>Moves unread bytes to the front, and grows the buffer only when a message needs more room.</summary>
    private void MakeRoom()
    {
        var unread = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            _start = 0;
            _end = unread;
        }

        if (_end == _buffer.Length)
        {
            var grown = (int)Math.Min((long)_buffer.Length * 2, (long)maxMessageBytes + 1);
            Array.Resize(ref _buffer, Math.Max(grown, _buffer.Length + 1));
        }
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static string Excerpt(ReadOnlySpan<byte> bytes)
    {
        var line = bytes.IndexOf((byte)'\n') is var nl and >= 0 ? bytes[..nl] : bytes;
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)]);
        return line.Length > 200 ? text + "…" : text;
    }
}

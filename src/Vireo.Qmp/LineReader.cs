using System.Text;

namespace Vireo.Qmp;

/// <summary>
/// Splits a byte stream into newline-terminated lines. QMP frames every message as one line of JSON ending in
/// "\r\n"; QEMU never puts a raw newline inside a message.
/// </summary>
internal sealed class LineReader(Stream stream, int maxLineBytes = 16 * 1024 * 1024)
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next line without its terminator, or null at end of stream.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                    length--;
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= maxLineBytes)
                    throw new QmpProtocolException($"a QMP message exceeded {maxLineBytes} bytes without a newline");
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLineBytes));
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
                return null;
            _end += read;
        }
    }
}

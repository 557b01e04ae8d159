namespace Vireo.Cli.Terminal;

/// <summary>
/// Removes the "device status report" query ESC [ 6 n from guest output when stdout is not a terminal. Shells with
/// line editing (busybox ash, bash) send it after every prompt to learn the cursor position; with no terminal to
/// answer, it is only noise in a script's output. A sequence split across chunks is held back until complete.
/// </summary>
internal sealed class TerminalQueryFilter
{
    private static readonly byte[] Query = [0x1b, (byte)'[', (byte)'6', (byte)'n'];
    private readonly byte[] _pending = new byte[Query.Length];
    private int _pendingCount;

    /// <summary>Filters one chunk; returns what can be written now.</summary>
    public byte[] Filter(ReadOnlySpan<byte> chunk)
    {
        var output = new List<byte>(chunk.Length + _pendingCount);
        foreach (var b in chunk)
        {
            _pending[_pendingCount++] = b;
            if (_pending.AsSpan(0, _pendingCount).SequenceEqual(Query.AsSpan(0, _pendingCount)))
            {
                if (_pendingCount == Query.Length)
                    _pendingCount = 0;
                continue;
            }
            // Not (or no longer) the query: release everything held, re-examining the last byte as a new start.
            var last = _pending[_pendingCount - 1];
            for (var i = 0; i < _pendingCount - 1; i++)
                output.Add(_pending[i]);
            _pendingCount = 0;
            if (last == Query[0])
                _pending[_pendingCount++] = last;
            else
                output.Add(last);
        }
        return output.ToArray();
    }

    /// <summary>Bytes still held back (an incomplete prefix) when the stream ends.</summary>
    public byte[] Flush()
    {
        var rest = _pending.AsSpan(0, _pendingCount).ToArray();
        _pendingCount = 0;
        return rest;
    }
}

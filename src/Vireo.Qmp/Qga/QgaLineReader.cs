using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Vireo.Qmp.Qga;

/// <summary>
/// Reads the agent's answers: qemu-ga writes each one as a single line of JSON, the answer to
/// <c>guest-sync-delimited</c> prefixed by a 0xFF sentinel byte. Memory is bounded: a line longer than the limit
/// is an error as soon as the limit is passed, and bytes skipped while looking for the sentinel are counted, not
/// kept. Not thread-safe: one call owns it at a time.
/// </summary>
internal sealed class QgaLineReader(Stream stream, Action<string>? trace)
{
    /// <summary>The byte qemu-ga puts before the answer to guest-sync-delimited (never valid in UTF-8 JSON).</summary>
    public const byte Sentinel = 0xFF;

    private readonly byte[] _chunk = new byte[16 * 1024];
    private int _chunkStart;
    private int _chunkEnd;
    private byte[] _line = new byte[4 * 1024];
    private int _lineLength;

    /// <summary>
    /// Discards bytes up to and including the next sentinel. Throws when more than <paramref name="maxDiscard"/>
    /// bytes come first (a flood) or the stream ends.
    /// </summary>
    public async ValueTask SkipToSentinelAsync(int maxDiscard, CancellationToken ct)
    {
        var discarded = 0L;
        while (true)
        {
            if (_chunkStart == _chunkEnd)
                await FillAsync(ct).ConfigureAwait(false);
            var span = _chunk.AsSpan(_chunkStart, _chunkEnd - _chunkStart);
            var at = span.IndexOf(Sentinel);
            if (at >= 0)
            {
                discarded += at;
                _chunkStart += at + 1;
                if (discarded > 0) trace?.Invoke($"QGA: discarded {discarded} stale bytes before the sync sentinel");
                return;
            }
            discarded += span.Length;
            _chunkStart = _chunkEnd;
            if (discarded > maxDiscard)
                throw new QgaProtocolException($"the guest agent sent more than {maxDiscard} bytes without answering the sync request (a flood of data)");
        }
    }

    /// <summary>
    /// Reads the next non-empty line and parses it as one JSON value. A sentinel byte inside a line (a sync answer
    /// of an earlier client) restarts the line after it.
    /// </summary>
    public async ValueTask<JsonElement> ReadMessageAsync(int maxBytes, CancellationToken ct)
    {
        _lineLength = 0;
        var consumed = 0L;
        while (true)
        {
            if (_chunkStart == _chunkEnd)
                await FillAsync(ct).ConfigureAwait(false);
            var span = _chunk.AsSpan(_chunkStart, _chunkEnd - _chunkStart);
            var nl = span.IndexOf((byte)'\n');
            var part = nl >= 0 ? span[..nl] : span;
            var sentinel = part.LastIndexOf(Sentinel);
            if (sentinel >= 0)
            {
                _lineLength = 0;
                part = part[(sentinel + 1)..];
            }
            if (_lineLength + part.Length > maxBytes)
                throw new QgaProtocolException($"the guest agent sent an answer larger than {maxBytes} bytes");
            Append(part);
            var advance = nl >= 0 ? nl + 1 : span.Length;
            _chunkStart += advance;
            // Blank lines and lines cut short by a sentinel count too: an endless stream of them is a flood, not an answer.
            consumed += advance;
            if (consumed > 2L * maxBytes)
                throw new QgaProtocolException($"the guest agent sent more than {2L * maxBytes} bytes without an answer (a flood of data)");
            if (nl < 0)
                continue;
            var line = _line.AsSpan(0, _lineLength).Trim(" \t\r"u8);
            _lineLength = 0;
            if (line.IsEmpty)
                continue;
            return Parse(line);
        }
    }

    private JsonElement Parse(ReadOnlySpan<byte> line)
    {
        if (!Utf8.IsValid(line))
            throw new QgaProtocolException($"the guest agent sent an answer that is not valid UTF-8: {Excerpt(line)}");
        trace?.Invoke("<- " + Encoding.UTF8.GetString(line[..Math.Min(line.Length, 4096)]));
        try
        {
            // Default depth limit (64): deeply nested JSON is an error, not a stack overflow.
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
                throw new JsonException("more than one JSON value on a line");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new QgaProtocolException($"the guest agent sent malformed JSON: {Excerpt(line)}", e);
        }
    }

    private void Append(ReadOnlySpan<byte> part)
    {
        if (_lineLength + part.Length > _line.Length)
            Array.Resize(ref _line, Math.Max(_line.Length * 2, _lineLength + part.Length));
        part.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += part.Length;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        // A stream with data always ready may complete reads without looking at the token: look here.
        ct.ThrowIfCancellationRequested();
        var read = await stream.ReadAsync(_chunk, ct).ConfigureAwait(false);
        if (read == 0)
            throw new QgaNotAnsweringException("the guest agent's channel was closed");
        _chunkStart = 0;
        _chunkEnd = read;
    }

    /// <summary>At most 120 characters of untrusted text, with anything unprintable replaced.</summary>
    internal static string Excerpt(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 120)]);
        return Sanitize(text) + (bytes.Length > 120 ? "…" : "");
    }

    /// <summary>Guest text made safe to show: control characters replaced, length capped.</summary>
    internal static string Sanitize(string text, int max = 1000)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text.Length > max ? text[..max] : text)
            sb.Append(char.IsControl(c) || c == '\uFFFD' ? '?' : c);
        return sb.ToString();
    }
}

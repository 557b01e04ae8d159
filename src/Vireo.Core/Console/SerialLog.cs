namespace Vireo.Core.Console;

/// <summary>
/// The per-VM serial log. QEMU itself appends to it (chardev logfile=, logappend=on), so it keeps growing while
/// vireod is down; the daemon only reads it and rotates it.
/// </summary>
public static class SerialLog
{
    /// <summary>Rotate once the live file is larger than this.</summary>
    public const long RotateAtBytes = 8 * 1024 * 1024;

    /// <summary>Rotated generations kept (serial.log.1 … serial.log.N).</summary>
    public const int KeepGenerations = 3;

    /// <summary>
    /// Copy-and-truncate rotation. QEMU opened the file with O_APPEND, so after truncation its next write lands at the
    /// new end of file; renaming instead would leave QEMU writing into the rotated copy. Bytes the guest prints
    /// between the copy and the truncate are lost — acceptable for a console log, and the window is microseconds.
    /// </summary>
    public static bool RotateIfLarge(string path, long threshold = RotateAtBytes)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length <= threshold)
            return false;
        for (var generation = KeepGenerations - 1; generation >= 1; generation--)
        {
            var from = $"{path}.{generation}";
            if (File.Exists(from))
                File.Move(from, $"{path}.{generation + 1}", overwrite: true);
        }
        var temp = $"{path}.1.tmp";
        File.Copy(path, temp, overwrite: true);
        File.Move(temp, $"{path}.1", overwrite: true);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            stream.SetLength(0);
        return true;
    }

    /// <summary>The last <paramref name="lines"/> lines of the log (all of it when null), from the live file only.</summary>
    public static async Task<(string Text, long EndOffset)> ReadTailAsync(string path, int? lines, CancellationToken ct)
    {
        if (!File.Exists(path))
            return ("", 0);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = stream.Length;
        var start = lines is null ? 0 : FindTailStart(stream, length, lines.Value);
        stream.Position = start;
        var buffer = new byte[length - start];
        await stream.ReadExactlyAsync(buffer, ct);
        return (System.Text.Encoding.UTF8.GetString(buffer), length);
    }

    private static long FindTailStart(FileStream stream, long length, int lines)
    {
        if (lines <= 0)
            return length;
        const int chunk = 8192;
        var seen = 0;
        var position = length;
        var buffer = new byte[chunk];
        // A trailing newline ends the last line rather than starting an empty one.
        var skipFirstNewline = true;
        while (position > 0)
        {
            var read = (int)Math.Min(chunk, position);
            position -= read;
            stream.Position = position;
            stream.ReadExactly(buffer, 0, read);
            for (var i = read - 1; i >= 0; i--)
            {
                if (buffer[i] != '\n')
                {
                    skipFirstNewline = false;
                    continue;
                }
                if (skipFirstNewline && position + i == length - 1)
                    continue;
                if (++seen == lines)
                    return position + i + 1;
            }
        }
        return 0;
    }

    /// <summary>
    /// Streams the log from <paramref name="offset"/> as it grows, until cancelled. A file that shrinks was
    /// rotated: reading continues from its new start.
    /// </summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> FollowAsync(string path, long offset,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (!ct.IsCancellationRequested)
        {
            var length = File.Exists(path) ? new FileInfo(path).Length : 0;
            if (length < offset)
                offset = 0;
            if (length > offset)
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Position = offset;
                int read;
                while ((read = await stream.ReadAsync(buffer, ct)) > 0)
                {
                    offset += read;
                    yield return buffer.AsMemory(0, read).ToArray();
                }
            }
            try
            {
                await Task.Delay(150, ct);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }
}

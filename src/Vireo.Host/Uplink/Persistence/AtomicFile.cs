namespace Vireo.Host.Uplink.Persistence;

/// <summary>Replaces a file so that a reader (or a crash) sees the old content or the new, never half of it.</summary>
internal static class AtomicFile
{
    public static async Task WriteAsync(string path, string content, UnixFileMode newFileMode, CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        // An existing file keeps its mode; a new one gets the mode asked for (0600 for NetworkManager keyfiles).
        var mode = File.Exists(path) ? File.GetUnixFileMode(path) : newFileMode;
        // A dot-file in the same directory: rename(2) is atomic only within one file system, and no loader
        // (ifupdown's interfaces.d/* glob, networkd's *.network) picks up a hidden temp file.
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.vireo-tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode };
        await using (var stream = new FileStream(temp, options))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(content), ct).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(temp, mode); // UnixCreateMode is filtered by the umask
        File.Move(temp, path, overwrite: true);
    }
}

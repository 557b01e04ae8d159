using System.Text;

namespace Vireo.Host.Os;

/// <summary>
/// The one way vireod writes a file: a temporary file in the same directory, fsync, rename over the name, fsync of
/// the directory. A reader, a kill -9 or a power loss sees the old content or the new, never half of it, and a
/// rename that returned is on disk. Files other tools write (qemu-img, genisoimage) are made under a temporary name
/// and put in place with <see cref="Commit"/>. The writers of src/ and why each is or is not atomic are listed in
/// tests/Vireo.Host.Tests/AtomicWritersAuditTests.cs.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM).</summary>
    /// <param name="newFileMode">The mode of a new file (an existing one keeps its own); null: the process default.</param>
    /// <param name="forceMode">Give the file <paramref name="newFileMode"/> even when it exists with another (keys).</param>
    public static void Write(string path, string content, UnixFileMode? newFileMode = null, bool forceMode = false) =>
        WriteBytes(path, new UTF8Encoding(false).GetBytes(content), newFileMode, forceMode);

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>.</summary>
    public static void WriteBytes(string path, ReadOnlySpan<byte> content, UnixFileMode? newFileMode = null, bool forceMode = false)
    {
        var temp = TempName(path, out var mode, newFileMode);
        if (forceMode) mode = newFileMode;
        try
        {
            using (var stream = new FileStream(temp, Options(mode)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            if (mode is { } m) File.SetUnixFileMode(temp, m); // UnixCreateMode is filtered by the umask
            Rename(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM).</summary>
    public static async Task WriteAsync(string path, string content, UnixFileMode? newFileMode, CancellationToken ct)
    {
        var temp = TempName(path, out var mode, newFileMode);
        try
        {
            await using (var stream = new FileStream(temp, Options(mode)))
            {
                await stream.WriteAsync(new UTF8Encoding(false).GetBytes(content), ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            if (mode is { } m) File.SetUnixFileMode(temp, m);
            Rename(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Puts a finished temporary file (written by this process or a tool) in place: fsync of its data, rename to
    /// <paramref name="path"/> (same directory or file system), fsync of the directory.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false, or the rename failed.</exception>
    public static void Commit(string temp, string path, bool overwrite)
    {
        FileLinks.SyncFile(temp);
        Rename(temp, path, overwrite);
    }

    /// <summary>rename(2) and an fsync of the target's directory (and of the source's, when it is another).</summary>
    public static void Rename(string from, string to, bool overwrite)
    {
        File.Move(from, to, overwrite);
        var toDir = Path.GetDirectoryName(Path.GetFullPath(to))!;
        FileLinks.SyncDirectory(toDir);
        var fromDir = Path.GetDirectoryName(Path.GetFullPath(from))!;
        if (!string.Equals(fromDir, toDir, StringComparison.Ordinal))
            FileLinks.SyncDirectory(fromDir);
    }

    /// <summary>
    /// Removes the temporary files of writes a killed process never finished, under <paramref name="root"/> (at
    /// start-up, before anything writes): each is a half-written copy of a file whose old content still stands.
    /// </summary>
    public static int RemoveLeftovers(string root)
    {
        var removed = 0;
        if (!Directory.Exists(root))
            return 0;
        foreach (var file in Directory.EnumerateFiles(root, ".*.vireo-tmp-*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private static string TempName(string path, out UnixFileMode? mode, UnixFileMode? newFileMode)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        // An existing file keeps its mode; a new one gets the mode asked for (0600 for keys and NetworkManager keyfiles).
        mode = File.Exists(path) ? File.GetUnixFileMode(path) : newFileMode;
        // A dot-file in the same directory: rename(2) is atomic only within one file system, and no loader
        // (ifupdown's interfaces.d/* glob, networkd's *.network, dnsmasq's hosts dir) picks up a hidden temp file.
        var name = Path.GetFileName(path);
        return Path.Combine(dir, $".{name[..Math.Min(name.Length, 200)]}.vireo-tmp-{Guid.NewGuid().ToString("N")[..12]}");
    }

    private static FileStreamOptions Options(UnixFileMode? mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (mode is { } m) options.UnixCreateMode = m;
        return options;
    }
}

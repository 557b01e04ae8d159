using System.Runtime.InteropServices;

namespace Vireo.Host.Os;

/// <summary>The identity of a file: device and inode. Two names with one identity are hard links to one file.</summary>
public readonly record struct FileIdentity(uint DevMajor, uint DevMinor, ulong Inode, uint Links);

/// <summary>
/// Hard links, file identities and durable renames (glibc, x86-64 and arm64): what a crash-safe move of image files
/// needs beyond <see cref="File"/>.
/// </summary>
public static partial class FileLinks
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    // STATX_NLINK | STATX_INO
    private const uint StatxMask = 0x4 | 0x100;

    /// <summary>Gives the file at <paramref name="existing"/> a second name (link(2)); both must be in one file system.</summary>
    /// <exception cref="IOException">link(2) failed (the new name exists, another file system, no hard links there...).</exception>
    public static void CreateHardLink(string existing, string newName)
    {
        if (Link(existing, newName) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot link {newName} to {existing}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>The identity of the file at <paramref name="path"/> (not following a final symbolic link), or null when there is none.</summary>
    public static FileIdentity? Identity(string path)
    {
        // struct statx has one layout on every architecture: stx_nlink @16 (u32), stx_ino @32 (u64),
        // stx_dev_major @136, stx_dev_minor @140; 256 bytes in all.
        Span<byte> buf = stackalloc byte[256];
        int rc;
        unsafe
        {
            fixed (byte* p = buf) rc = Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMask, p);
        }
        if (rc != 0) return null;
        return new FileIdentity(BitConverter.ToUInt32(buf[136..140]), BitConverter.ToUInt32(buf[140..144]),
            BitConverter.ToUInt64(buf[32..40]), BitConverter.ToUInt32(buf[16..20]));
    }

    /// <summary>True when both names exist and are one file.</summary>
    public static bool SameFile(string a, string b) =>
        Identity(a) is { } x && Identity(b) is { } y && x with { Links = 0 } == y with { Links = 0 };

    /// <summary>Flushes a file's data and metadata to disk.</summary>
    public static void SyncFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a directory's entries (names made, renamed, removed) to disk, so a rename survives a power loss.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = Open(path, 0 /* O_RDONLY */ | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"cannot sync {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            Close(fd);
        }
    }

    private const int OCloExec = 0x80000;

    [LibraryImport("libc.so.6", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newName);

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}

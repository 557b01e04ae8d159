using System.Runtime.InteropServices;

namespace Vireo.Host.Os;

/// <summary>
/// What the host offers a disk's I/O path: O_DIRECT on an image's file system (cache none/directsync) and io_uring
/// in QEMU and the kernel (aio io_uring). Asked before QEMU starts, so a mode that cannot work is replaced or
/// refused with a reason instead of failing inside QEMU.
/// </summary>
public static partial class DiskIoSupport
{
    private const int O_RDONLY = 0;
    private const int O_DIRECT = 0x4000; // x86-64 and arm64 value (asm-generic/fcntl.h: 040000).
    private const int O_CLOEXEC = 0x80000;

    /// <summary>
    /// True when <paramref name="path"/> can be opened with O_DIRECT. tmpfs (before Linux 6.6) and some FUSE file
    /// systems refuse it with EINVAL, and QEMU's cache=none would then fail to open the image.
    /// </summary>
    public static bool SupportsDirectIo(string path)
    {
        var fd = Open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0)
            return false;
        Close(fd);
        return true;
    }

    /// <summary>
    /// True when io_uring can be used by <paramref name="qemuBinary"/>: the kernel allows it
    /// (<c>kernel.io_uring_disabled</c> absent or 0) and QEMU is linked against liburing (otherwise QEMU says
    /// "aio=io_uring was specified, but is not supported in this build").
    /// </summary>
    public static bool IoUringUsable(string qemuBinary)
    {
        try
        {
            const string sysctl = "/proc/sys/kernel/io_uring_disabled";
            if (File.Exists(sysctl) && File.ReadAllText(sysctl).Trim() != "0")
                return false;
            return BinaryNeedsLibrary(qemuBinary, "liburing.so");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Looks for a DT_NEEDED library name in an ELF binary's string table by scanning its bytes: cheaper than
    /// running ldd, and never executes anything.
    /// </summary>
    internal static bool BinaryNeedsLibrary(string binary, string library)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes(library);
        using var stream = new FileStream(binary, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var buffer = new byte[1 << 20];
        var carry = 0;
        int read;
        while ((read = stream.Read(buffer, carry, buffer.Length - carry)) > 0)
        {
            var span = buffer.AsSpan(0, carry + read);
            if (span.IndexOf(needle) >= 0)
                return true;
            // Keep the tail in case the name straddles two reads.
            carry = Math.Min(needle.Length - 1, span.Length);
            span[^carry..].CopyTo(buffer);
        }
        return false;
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}

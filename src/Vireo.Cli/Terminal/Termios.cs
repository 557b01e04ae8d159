using System.Runtime.InteropServices;

namespace Vireo.Cli.Terminal;

/// <summary>The libc termios calls raw mode needs (termios(3)).</summary>
internal static unsafe partial class Termios
{
    /// <summary>
    /// glibc's struct termios is 60 bytes on x86_64 and aarch64; it is only ever passed back to libc, so an opaque
    /// buffer with room to spare avoids mirroring its per-architecture layout.
    /// </summary>
    public const int BufferSize = 256;

    /// <summary>Apply the change immediately.</summary>
    public const int TCSANOW = 0;

    /// <summary>Apply once pending output is written, so the guest's last bytes are not drawn with the wrong settings.</summary>
    public const int TCSADRAIN = 1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc")]
    public static partial void cfmakeraw(byte* termios);

    /// <summary>ioctl(2) request for the window size (asm-generic, so x86_64 and aarch64 alike).</summary>
    public const nuint TIOCGWINSZ = 0x5413;

    /// <summary>ioctl(fd, TIOCGWINSZ, struct winsize*): rows, cols, xpixel, ypixel as unsigned shorts.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, ushort* winsize);

    /// <summary>Columns of the terminal on <paramref name="fd"/>, or null when it is not one.</summary>
    public static int? Columns(int fd)
    {
        ushort* size = stackalloc ushort[4];
        return ioctl(fd, TIOCGWINSZ, size) == 0 && size[1] > 0 ? size[1] : null;
    }
}

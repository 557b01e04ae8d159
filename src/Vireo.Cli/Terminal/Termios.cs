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
}

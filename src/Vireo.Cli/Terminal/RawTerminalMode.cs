using System.Runtime.InteropServices;

namespace Vireo.Cli.Terminal;

/// <summary>
/// Puts a terminal in raw mode (no echo, no line editing, no signals from ^C/^Z, no output CR/LF mapping), so that
/// every key reaches the guest as typed, and restores the saved settings when disposed — also on process exit.
/// </summary>
internal sealed unsafe class RawTerminalMode : IDisposable
{
    private readonly int _fd;
    private readonly byte[] _saved;
    private int _restored;

    private RawTerminalMode(int fd, byte[] saved)
    {
        _fd = fd;
        _saved = saved;
        // Backstop for exits that skip finally blocks (Environment.Exit from the termination timeout).
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Enters raw mode on <paramref name="fd"/>; throws when it is not a terminal.</summary>
    public static RawTerminalMode Enter(int fd = 0)
    {
        var saved = new byte[Termios.BufferSize];
        var raw = new byte[Termios.BufferSize];
        fixed (byte* s = saved)
        fixed (byte* r = raw)
        {
            if (Termios.tcgetattr(fd, s) != 0)
                throw new IOException($"tcgetattr({fd}) failed: errno {Marshal.GetLastPInvokeError()}");
            Buffer.MemoryCopy(s, r, Termios.BufferSize, Termios.BufferSize);
            Termios.cfmakeraw(r);
            if (Termios.tcsetattr(fd, Termios.TCSANOW, r) != 0)
                throw new IOException($"tcsetattr({fd}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return new RawTerminalMode(fd, saved);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _restored, 1) != 0)
            return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        fixed (byte* s = _saved)
            _ = Termios.tcsetattr(_fd, Termios.TCSADRAIN, s);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}

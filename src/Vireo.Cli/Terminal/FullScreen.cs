using System.Runtime.InteropServices;
using System.Text;

namespace Vireo.Cli.Terminal;

/// <summary>
/// A full-screen view on the terminal, as top and virt-top draw one: the alternate screen with the cursor hidden,
/// redrawn in place, and keys read one at a time (raw mode) when stdin is a terminal too. Disposing restores the
/// screen the user had and the terminal settings; so does process exit (the backstop for a forced exit).
/// </summary>
internal sealed unsafe partial class FullScreen : IDisposable
{
    private const string EnterSequence = "\e[?1049h\e[?25l";
    private const string LeaveSequence = "\e[?25h\e[?1049l";
    private const short POLLIN = 0x001;
    private const int EINTR = 4;
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _out;
    private readonly int _outFd;
    private readonly RawTerminalMode? _raw;
    private readonly PosixSignalRegistration _winch;
    private bool _keys;
    private int _resized;
    private int _left;

    private FullScreen(TextWriter output, int outFd, RawTerminalMode? raw)
    {
        _out = output;
        _outFd = outFd;
        _raw = raw;
        _keys = raw is not null;
        _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Volatile.Write(ref _resized, 1));
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Enters the alternate screen on <paramref name="output"/> (fd <paramref name="outFd"/>); reads keys from fd 0 when <paramref name="keys"/>.</summary>
    public static FullScreen Enter(TextWriter output, int outFd, bool keys)
    {
        var raw = keys ? RawTerminalMode.Enter(0) : null;
        output.Write(EnterSequence);
        output.Flush();
        return new FullScreen(output, outFd, raw);
    }

    /// <summary>The terminal's columns and rows now (they change when the window is resized).</summary>
    public (int Columns, int Rows) Size()
    {
        ushort* size = stackalloc ushort[4];
        return Termios.ioctl(_outFd, Termios.TIOCGWINSZ, size) == 0 && size[0] > 0 && size[1] > 0 ? (size[1], size[0]) : (80, 24);
    }

    /// <summary>Replaces the screen's content with <paramref name="lines"/> in one write (no flicker).</summary>
    public void Draw(IReadOnlyList<string> lines)
    {
        var frame = new StringBuilder("\e[H");
        for (var i = 0; i < lines.Count; i++)
        {
            // Raw mode leaves "\n" alone, so each line ends with an explicit carriage return.
            frame.Append(lines[i]).Append("\e[K");
            if (i < lines.Count - 1)
                frame.Append("\r\n");
        }
        frame.Append("\e[J");
        _out.Write(frame.ToString());
        _out.Flush();
    }

    /// <summary>What ended a <see cref="Wait"/>.</summary>
    public enum WaitResult
    {
        /// <summary>The time passed.</summary>
        Elapsed,
        /// <summary>The window changed size: draw again.</summary>
        Resized,
        /// <summary>A key was pressed (see the out value).</summary>
        Key,
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a key, a resize, or cancellation (which throws). Keys come one
    /// byte at a time; escape sequences (arrow keys) are read and ignored.
    /// </summary>
    public WaitResult Wait(TimeSpan timeout, CancellationToken ct, out char key)
    {
        key = '\0';
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (Interlocked.Exchange(ref _resized, 0) != 0)
                return WaitResult.Resized;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                return WaitResult.Elapsed;
            var slice = remaining < Slice ? remaining : Slice;
            if (!_keys)
            {
                ct.WaitHandle.WaitOne(slice);
                continue;
            }
            var fd = new PollFd { Fd = 0, Events = POLLIN };
            var ready = poll(&fd, 1, (int)Math.Ceiling(slice.TotalMilliseconds));
            if (ready < 0 && Marshal.GetLastPInvokeError() != EINTR)
                _keys = false;
            if (ready <= 0)
                continue;
            byte* buffer = stackalloc byte[32];
            var n = read(0, buffer, 32);
            if (n <= 0)
            {
                // End of input (the terminal went away): stop reading keys rather than spin on it.
                _keys = false;
                continue;
            }
            if (buffer[0] == 0x1b)
                continue;
            key = (char)buffer[0];
            return WaitResult.Key;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) != 0)
            return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _winch.Dispose();
        try
        {
            _out.Write(LeaveSequence);
            _out.Flush();
        }
        catch (IOException)
        {
            // The terminal is gone; nothing to restore on it.
        }
        _raw?.Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);
}

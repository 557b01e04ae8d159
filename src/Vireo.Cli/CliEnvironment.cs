using System.Text;
using Spectre.Console;
using Vireo.Cli.Output;
using Vireo.Cli.Terminal;

namespace Vireo.Cli;

/// <summary>
/// Everything the CLI touches outside itself: standard streams, whether they are terminals, the working directory
/// and environment variables. Tests run the real command tree against their own streams through this.
/// </summary>
internal sealed class CliEnvironment
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public CliEnvironment(Stream stdin, Stream stdout, Stream stderr)
    {
        Stdin = stdin;
        Stdout = stdout;
        Out = new StreamWriter(stdout, Utf8, bufferSize: 4096, leaveOpen: true) { AutoFlush = true };
        Error = new StreamWriter(stderr, Utf8, bufferSize: 1024, leaveOpen: true) { AutoFlush = true };
    }

    /// <summary>Raw standard input (the console relays bytes, not text).</summary>
    public Stream Stdin { get; }
    /// <summary>Raw standard output; flush <see cref="Out"/> before writing bytes here.</summary>
    public Stream Stdout { get; }
    public TextWriter Out { get; }
    public TextWriter Error { get; }
    public bool StdinIsTerminal { get; init; }
    public bool StdoutIsTerminal { get; init; }
    public bool StderrIsTerminal { get; init; }
    /// <summary>Terminal width when stdout is one; otherwise wide enough that tables never wrap in a pipe.</summary>
    public int Width { get; init; } = 200;
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;
    /// <summary>Only the real process installs Ctrl-C/SIGTERM handling; in-process tests must not.</summary>
    public bool HandleSignals { get; init; }

    public static CliEnvironment FromProcess()
    {
        bool stdoutTty = !Console.IsOutputRedirected;
        return new CliEnvironment(new FdStream(0, canRead: true), new FdStream(1, canRead: false), new FdStream(2, canRead: false))
        {
            StdinIsTerminal = !Console.IsInputRedirected,
            StdoutIsTerminal = stdoutTty,
            StderrIsTerminal = !Console.IsErrorRedirected,
            Width = stdoutTty ? TerminalWidth() : 200,
            HandleSignals = true,
        };
    }

    /// <summary>A Spectre console on stdout: colors only on a terminal (and never with NO_COLOR set).</summary>
    public IAnsiConsole CreateOutConsole() => CreateConsole(Out, StdoutIsTerminal);

    /// <summary>A Spectre console on stderr, for progress that must not mix with stdout data.</summary>
    public IAnsiConsole CreateErrorConsole() => CreateConsole(Error, StderrIsTerminal);

    private IAnsiConsole CreateConsole(TextWriter writer, bool terminal)
    {
        bool color = terminal && string.IsNullOrEmpty(GetVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new StreamConsoleOutput(writer, terminal, Width),
        });
        console.Profile.Width = Width;
        return console;
    }

    private static int TerminalWidth() => Termios.Columns(1) ?? 80;
}

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
    /// <summary>
    /// Width of stdout: $COLUMNS when set, else the terminal's; in a pipe, wide enough that a table row never wraps
    /// (one record per line for grep and awk).
    /// </summary>
    public int Width { get; init; } = PipeWidth;
    /// <summary>Width of stderr (progress bars), chosen the same way.</summary>
    public int ErrorWidth { get; init; } = 80;
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;
    /// <summary>Only the real process installs Ctrl-C/SIGTERM handling; in-process tests must not.</summary>
    public bool HandleSignals { get; init; }

    /// <summary>The width of output that is not a terminal and has no $COLUMNS.</summary>
    public const int PipeWidth = 4096;
    /// <summary>Narrower than this, a table cannot show its headers: $COLUMNS below it counts as this.</summary>
    public const int MinWidth = 20;

    public static CliEnvironment FromProcess()
    {
        bool stdoutTty = !Console.IsOutputRedirected;
        bool stderrTty = !Console.IsErrorRedirected;
        int? columns = ParseColumns(Environment.GetEnvironmentVariable("COLUMNS"));
        return new CliEnvironment(new FdStream(0, canRead: true), new FdStream(1, canRead: false), new FdStream(2, canRead: false))
        {
            StdinIsTerminal = !Console.IsInputRedirected,
            StdoutIsTerminal = stdoutTty,
            StderrIsTerminal = stderrTty,
            Width = columns ?? (stdoutTty ? Termios.Columns(1) ?? 80 : PipeWidth),
            ErrorWidth = columns ?? (stderrTty ? Termios.Columns(2) ?? 80 : 80),
            HandleSignals = true,
        };
    }

    /// <summary>$COLUMNS as a width (at least <see cref="MinWidth"/>), or null when unset or not a number.</summary>
    internal static int? ParseColumns(string? text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int columns) && columns > 0
            ? Math.Clamp(columns, MinWidth, PipeWidth)
            : null;

    /// <summary>A Spectre console on stdout: colors only on a terminal (and never with NO_COLOR set).</summary>
    public IAnsiConsole CreateOutConsole() => CreateConsole(new TrailingSpaceTrimmer(Out), StdoutIsTerminal, Width);

    /// <summary>A Spectre console on stderr, for progress that must not mix with stdout data.</summary>
    public IAnsiConsole CreateErrorConsole() => CreateConsole(Error, StderrIsTerminal, ErrorWidth);

    private IAnsiConsole CreateConsole(TextWriter writer, bool terminal, int width)
    {
        bool color = terminal && string.IsNullOrEmpty(GetVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new StreamConsoleOutput(writer, terminal, width),
        });
        console.Profile.Width = width;
        return console;
    }
}

using System.Text;
using Spectre.Console;

namespace Vireo.Cli.Output;

/// <summary>
/// Spectre output on our own writer, with terminal-ness and width decided by <see cref="CliEnvironment"/>.
/// Spectre's AnsiConsoleOutput compares its writer with System.Console.Out, and merely touching Console.Out makes
/// .NET initialize the terminal, which writes keypad escape sequences (ESC[?1h ESC=) to it.
/// </summary>
internal sealed class StreamConsoleOutput(TextWriter writer, bool isTerminal, int width) : IAnsiConsoleOutput
{
    public TextWriter Writer { get; } = writer;
    public bool IsTerminal { get; } = isTerminal;
    public int Width { get; } = width;
    public int Height => 24;

    // Output is always UTF-8 (the writer's encoding); nothing to switch.
    public void SetEncoding(Encoding encoding) { }
}

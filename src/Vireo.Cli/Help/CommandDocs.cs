using System.CommandLine;

namespace Vireo.Cli.Help;

/// <summary>
/// The man-page parts System.CommandLine's help has no slot for: a longer description and examples per command,
/// printed after the standard sections, followed by the exit codes that command can return (<see cref="ExitStatus"/>).
/// </summary>
internal sealed class CommandDocs
{
    private readonly Dictionary<Command, (string Details, string[] Examples)> _docs = [];

    /// <summary>Creates a command whose --help reads like a man page.</summary>
    public Command Create(string name, string summary, string details, params string[] examples)
    {
        var command = new Command(name, summary);
        Add(command, details, examples);
        return command;
    }

    public void Add(Command command, string details, params string[] examples) => _docs[command] = (details, examples);

    public void WriteExtra(Command command, TextWriter output)
    {
        if (_docs.TryGetValue(command, out var doc))
        {
            if (!string.IsNullOrWhiteSpace(doc.Details))
            {
                output.WriteLine("Details:");
                foreach (string line in doc.Details.Split('\n'))
                    output.WriteLine(line.Length == 0 ? "" : "  " + line.TrimEnd('\r'));
                output.WriteLine();
            }
            if (doc.Examples.Length > 0)
            {
                output.WriteLine("Examples:");
                foreach (string example in doc.Examples)
                    output.WriteLine("  " + example);
                output.WriteLine();
            }
        }
        output.WriteLine("Exit status:");
        output.WriteLine(ExitStatus.HelpText(command));
    }
}

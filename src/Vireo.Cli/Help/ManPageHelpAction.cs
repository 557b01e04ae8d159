using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Vireo.Cli.Help;

/// <summary>System.CommandLine's help followed by <see cref="CommandDocs"/>' details, examples and exit codes.</summary>
internal sealed class ManPageHelpAction(HelpAction standard, CommandDocs docs) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        int rc = standard.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        docs.WriteExtra(parseResult.CommandResult.Command, output);
        return rc;
    }

    /// <summary>Swaps the root's (recursive) help option action for this one.</summary>
    public static void Install(RootCommand root, CommandDocs docs)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction standard } help)
                help.Action = new ManPageHelpAction(standard, docs);
        }
    }
}

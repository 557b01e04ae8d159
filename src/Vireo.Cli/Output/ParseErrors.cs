using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Vireo.Cli.Options;

namespace Vireo.Cli.Output;

/// <summary>
/// Command-line mistakes in Vireo's words: one <c>error:</c> line each (unknown command or option with the nearest
/// names, a missing argument, option or value, a bad value), then one <c>hint:</c> line naming the help to read.
/// System.CommandLine's own texts (and its "Did you mean one of the following?" block on stdout) are never shown.
/// </summary>
internal static class ParseErrors
{
    /// <summary>
    /// The mistakes in <paramref name="parse"/>, empty when it may run. Unknown words are mistakes even when --help
    /// asks for help (<c>vireo plan --help</c> must not show the root's help and exit 0); other errors only when
    /// the command itself would run.
    /// </summary>
    public static IReadOnlyList<string> Find(ParseResult parse)
    {
        var unknown = UnknownWords(parse);
        if (unknown.Count > 0)
            return unknown;
        return parse.Action is ParseErrorAction ? Other(parse) : [];
    }

    /// <summary>Writes the mistakes and the hint; returns the exit status (2).</summary>
    public static int Write(TextWriter error, ParseResult parse, IReadOnlyList<string> problems)
    {
        foreach (var problem in problems)
            error.WriteLine("error: " + problem);
        var command = parse.CommandResult.Command;
        string path = PathOf(parse.CommandResult);
        error.WriteLine(command.Subcommands.Count > 0 && command.Arguments.Count == 0
            ? $"hint: {path} --help lists the commands"
            : $"hint: {path} --help shows the usage");
        return ExitCodes.Usage;
    }

    private static List<string> UnknownWords(ParseResult parse)
    {
        var result = parse.CommandResult;
        var command = result.Command;
        var problems = new List<string>();
        var unexpected = new List<string>();
        foreach (var token in DashArguments(parse))
            problems.Add(UnknownOption(token, result));
        foreach (string token in parse.UnmatchedTokens)
        {
            if (IsDashWord(token))
                problems.Add(UnknownOption(token, result));
            else if (command.Subcommands.Count > 0)
                problems.Add(UnknownCommand(token, result));
            else
                unexpected.Add(Unexpected(token, result));
        }
        // After an unknown option its value is left over too: the option is the mistake to report.
        if (problems.Count == 0)
            problems.AddRange(unexpected);
        return problems;
    }

    private static List<string> Other(ParseResult parse)
    {
        var problems = new List<string>();
        foreach (var error in parse.Errors)
        {
            string text = error.SymbolResult switch
            {
                OptionResult { Option: VersionOption } => "--version takes nothing else; run vireo --version alone",
                OptionResult option when option.Implicit =>
                    $"{PathOf(NearestCommand(option))} needs {option.Option.Name} {HelpName(option.Option)}",
                OptionResult { Tokens.Count: 0 } option =>
                    $"{option.Option.Name} needs a value: {Form(option.Option)}",
                OptionResult option when option.Tokens.Count > 1 && option.Option.Arity.MaximumNumberOfValues == 1 =>
                    $"{option.Option.Name} is given {option.Tokens.Count} times; give it once",
                ArgumentResult { Tokens.Count: 0 } argument =>
                    $"{PathOf(NearestCommand(argument))} needs {argument.Argument.Name} ({Lower(argument.Argument.Description)})",
                CommandResult { Command: { Subcommands.Count: > 0, Action: null }, Parent: null } => "vireo needs a command",
                CommandResult { Command: { Subcommands.Count: > 0, Action: null } } group =>
                    $"{PathOf(group)} needs a command: {string.Join(", ", group.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}",
                // Ours (a value parser's or a command validator's sentence), or one we have no better words for.
                _ => error.Message,
            };
            if (!problems.Contains(text))
                problems.Add(text);
        }
        // "vireo needs a command" after `vireo --socket` is noise beside what is wrong with --socket.
        if (problems.Count > 1)
            problems.Remove("vireo needs a command");
        return problems;
    }

    private static string UnknownOption(string token, CommandResult result)
    {
        // --name=value: the name is what is unknown.
        string name = token.StartsWith("--", StringComparison.Ordinal) && token.IndexOf('=') is > 2 and var eq ? token[..eq] : token;
        var options = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
        {
            foreach (var option in c.Command.Options.Where(o => !o.Hidden && (r == result || o.Recursive)))
                options.AddRange(option.Aliases.Prepend(option.Name));
        }
        var nearest = Suggestions.Nearest(name, options);
        return $"unknown option {ValueText.Quote(name)} for {PathOf(result)}" +
               (nearest.Count == 0 ? "" : $"; did you mean {Suggestions.OrList(nearest)}?");
    }

    private static string UnknownCommand(string token, CommandResult result)
    {
        var names = result.Command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var nearest = Suggestions.Nearest(token, names);
        string where = result.Parent is null ? "" : $" for {PathOf(result)}";
        return $"unknown command {ValueText.Quote(token)}{where}" +
               (nearest.Count == 0 ? "" : $"; did you mean {Suggestions.OrList(nearest)}?");
    }

    private static string Unexpected(string token, CommandResult result)
    {
        var arguments = result.Command.Arguments.Where(a => !a.Hidden).ToList();
        string takes = arguments.Count == 0
            ? "takes no arguments"
            : "takes " + string.Join(" ", arguments.Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : a.Name)) + " only";
        return $"unexpected argument {ValueText.Quote(token)}: {PathOf(result)} {takes}";
    }

    /// <summary>
    /// Words that look like options (<c>--timout</c>, <c>-x</c>) but were taken as a command's argument because no
    /// option has that name: <c>vireo shutdown --timout 30 web1</c> must not shut down a VM named "--timout".
    /// Negative numbers, <c>-</c> (stdin) and anything after <c>--</c> stay arguments.
    /// </summary>
    private static IEnumerable<string> DashArguments(ParseResult parse)
    {
        int end = parse.Tokens.Count;
        for (int i = 0; i < parse.Tokens.Count; i++)
        {
            if (parse.Tokens[i].Type == TokenType.DoubleDash)
            {
                end = i;
                break;
            }
        }
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent)
        {
            foreach (var argument in c.Command.Arguments)
            {
                if (parse.GetResult(argument) is not { } result)
                    continue;
                foreach (var token in result.Tokens)
                {
                    if (IsDashWord(token.Value) && IndexOf(parse.Tokens, token) < end)
                        yield return token.Value;
                }
            }
        }
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Token token)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], token))
                return i;
        }
        return int.MaxValue;
    }

    /// <summary>-x, --xyz; not -, -1 or -0.5 (values).</summary>
    private static bool IsDashWord(string token) =>
        token.Length > 1 && token[0] == '-' && !char.IsAsciiDigit(token[1]) && token[1] != '.';

    private static CommandResult NearestCommand(SymbolResult result)
    {
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult command)
                return command;
        }
        throw new InvalidOperationException("a symbol result without a command");
    }

    /// <summary>"vireo net forward add".</summary>
    internal static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
            names.Insert(0, c.Parent is null ? "vireo" : c.Command.Name);
        return string.Join(' ', names);
    }

    private static string HelpName(Option option) =>
        option.HelpName ?? option.Name.TrimStart('-').ToUpperInvariant();

    private static string Form(Option option) =>
        option is ITypedSymbol typed && typed.Syntax.Kind != ValueKind.Text ? typed.Syntax.Form : HelpName(option);

    private static string Lower(string? description) =>
        string.IsNullOrEmpty(description) ? "see --help" : char.ToLowerInvariant(description[0]) + description[1..];
}

using System.CommandLine;

namespace Vireo.Cli.Options;

/// <summary>Every positional argument of vireo's command line is made here (see <see cref="Opt"/>).</summary>
internal static class Arg
{
    /// <summary>A name vireod looks up or checks: a VM, snapshot, network, pool, POOL/NAME, MAC, operation id.</summary>
    public static TypedArgument<string> Name(string name, string description) => Text(name, description, TextKind.Name);

    /// <summary>An optional name (<c>vireo vol list [POOL]</c>).</summary>
    public static TypedArgument<string?> OptionalName(string name, string description)
    {
        var syntax = Opt.TextSyntax(TextKind.Name);
        return new TypedArgument<string?>(name, syntax)
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = ParserGlue.One<string?>(name, (string text, out string? value) =>
            {
                value = text;
                return syntax.Check(text);
            }),
        };
    }

    /// <summary>A file or directory path (or - where a command reads stdin).</summary>
    public static TypedArgument<string> Path(string name, string description) => Text(name, description, TextKind.Path);

    /// <summary>Non-empty text of the given kind.</summary>
    public static TypedArgument<string> Text(string name, string description, TextKind kind)
    {
        var syntax = Opt.TextSyntax(kind);
        return new TypedArgument<string>(name, syntax)
        {
            Description = description,
            CustomParser = ParserGlue.One<string>(name, (string text, out string value) =>
            {
                value = text;
                return syntax.Check(text);
            }),
        };
    }

    /// <summary>One of <paramref name="values"/> (any case).</summary>
    public static TypedArgument<string> Choice(string name, string description, params string[] values)
    {
        var argument = new TypedArgument<string>(name, Opt.ChoiceSyntax(values))
        {
            Description = description,
            CustomParser = ParserGlue.One<string>(name, (string text, out string value) => ValueParsers.Choice(text, values, out value)),
        };
        argument.CompletionSources.Add(values);
        return argument;
    }

    /// <summary>A new size with its unit (<c>40G</c>) or a growth (<c>+10G</c>); the text comes back as typed.</summary>
    public static TypedArgument<string> SizeOrGrowth(string name, string description)
    {
        var syntax = new ValueSyntax(ValueKind.Size, "SIZE or +SIZE with a binary unit (40G, +10G)", text => ValueParsers.SizeOrGrowth(text, out _));
        return new TypedArgument<string>(name, syntax)
        {
            Description = description,
            CustomParser = ParserGlue.One<string>(name, (string text, out string value) =>
            {
                value = text;
                return ValueParsers.SizeOrGrowth(text, out _);
            }),
        };
    }

    /// <summary>
    /// A command and its arguments, taken as typed (<c>vireo exec VM -- CMD ARGS...</c>): the program is non-empty
    /// text; its arguments may be empty. Every word is checked for length and control characters like other text.
    /// </summary>
    public static TypedArgument<string[]> Words(string name, string description)
    {
        var syntax = Opt.TextSyntax(TextKind.Free);
        return new(name, syntax)
        {
            Description = description,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = result =>
            {
                var words = new string[result.Tokens.Count];
                for (var i = 0; i < words.Length; i++)
                {
                    var text = result.Tokens[i].Value;
                    if (ValueParsers.Text(text, TextKind.Free, allowEmpty: i > 0) is { } problem)
                    {
                        result.AddError($"{name} {ValueText.Quote(text)} {problem}");
                        return null;
                    }
                    words[i] = text;
                }
                return words;
            },
        };
    }
}

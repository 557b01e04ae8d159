using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vireo.Cli.Options;

/// <summary>What kind of value a symbol takes; tests read it to know which values must be refused.</summary>
internal enum ValueKind
{
    /// <summary>A switch without a value (--force).</summary>
    Flag,
    /// <summary>Text checked only for emptiness, length and control characters; vireod judges the rest.</summary>
    Text,
    Integer,
    Number,
    Size,
    Choice,
    OnOff,
}

/// <summary>The grammar of a symbol's value: its kind, its form in words, and the check itself.</summary>
/// <param name="Check">Null when the text is a valid value; otherwise the problem (see <see cref="ValueParsers"/>).</param>
internal sealed record ValueSyntax(ValueKind Kind, string Form, Func<string, string?> Check);

/// <summary>An option or argument made by <see cref="Opt"/> or <see cref="Arg"/>.</summary>
internal interface ITypedSymbol
{
    ValueSyntax Syntax { get; }
}

/// <summary>An option whose value is parsed by Vireo's grammar, with a message naming it on failure.</summary>
internal sealed class TypedOption<T> : Option<T>, ITypedSymbol
{
    public TypedOption(string name, string[] aliases, ValueSyntax syntax) : base(name, aliases) => Syntax = syntax;
    public ValueSyntax Syntax { get; }
}

/// <summary>An argument whose value is parsed by Vireo's grammar, with a message naming it on failure.</summary>
internal sealed class TypedArgument<T> : Argument<T>, ITypedSymbol
{
    public TypedArgument(string name, ValueSyntax syntax) : base(name) => Syntax = syntax;
    public ValueSyntax Syntax { get; }
}

/// <summary>Runs a <see cref="ValueSyntax"/>-style parser inside System.CommandLine and reports its problem.</summary>
internal static class ParserGlue
{
    public delegate string? TryParse<T>(string text, out T value);

    /// <summary>
    /// A CustomParser for a one-token value: <paramref name="parse"/>'s problem becomes the parse error
    /// <c>NAME "VALUE" PROBLEM</c>, so that nothing reads a value that failed (System.CommandLine throws then).
    /// </summary>
    public static Func<ArgumentResult, T?> One<T>(string display, TryParse<T> parse) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        string? problem = parse(text, out T value);
        if (problem is null)
            return value;
        result.AddError($"{display} {ValueText.Quote(text)} {problem}");
        return default;
    };

    /// <summary>Like <see cref="One{T}"/> for a repeatable option: every value is checked.</summary>
    public static Func<ArgumentResult, string[]?> Many(string display, Func<string, string?> check) => result =>
    {
        var values = new string[result.Tokens.Count];
        for (int i = 0; i < values.Length; i++)
        {
            string text = result.Tokens[i].Value;
            if (check(text) is { } problem)
            {
                result.AddError($"{display} {ValueText.Quote(text)} {problem}");
                return null;
            }
            values[i] = text;
        }
        return values;
    };
}

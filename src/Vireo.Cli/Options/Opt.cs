using System.CommandLine;

namespace Vireo.Cli.Options;

/// <summary>
/// Every option of vireo's command line is made here, so that every value is parsed the same way: a bad one is
/// refused while parsing with one <c>error:</c> line naming the option, the value and the expected form (exit 2),
/// and nothing is sent to vireod. Commands never parse option values themselves.
/// </summary>
internal static class Opt
{
    /// <summary>A switch: present or not (<c>--force</c>).</summary>
    public static TypedOption<bool> Flag(string name, string description, params string[] aliases) =>
        new(name, aliases, new ValueSyntax(ValueKind.Flag, "no value", _ => null)) { Description = description };

    /// <summary>A name vireod looks up (a VM, network, pool, volume POOL/NAME, MAC address).</summary>
    public static TypedOption<string?> Name(string name, string description, string helpName = "NAME", bool required = false) =>
        Text(name, description, helpName, TextKind.Name, required);

    /// <summary>A file or directory path.</summary>
    public static TypedOption<string?> Path(string name, string description, string helpName = "PATH", bool required = false) =>
        Text(name, description, helpName, TextKind.Path, required);

    /// <summary>Text of a given kind; empty only where <paramref name="allowEmpty"/> (an empty description clears it).</summary>
    public static TypedOption<string?> Text(string name, string description, string helpName, TextKind kind = TextKind.Free,
        bool required = false, bool allowEmpty = false)
    {
        var syntax = TextSyntax(kind, allowEmpty);
        return new TypedOption<string?>(name, [], syntax)
        {
            Description = description,
            HelpName = helpName,
            Required = required,
            CustomParser = ParserGlue.One<string?>(name, (string text, out string? value) =>
            {
                value = text;
                return syntax.Check(text);
            }),
        };
    }

    /// <summary>A repeatable option (<c>--disk A --disk B</c>) whose values a SPEC parser reads later.</summary>
    public static TypedOption<string[]> TextList(string name, string description, string helpName)
    {
        var syntax = TextSyntax(TextKind.Free);
        return new TypedOption<string[]>(name, [], syntax)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = ParserGlue.Many(name, syntax.Check),
        };
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; null when absent.</summary>
    public static TypedOption<int?> Integer(string name, string description, int min, int max, string helpName = "N",
        string? unit = null, long? example = null, params string[] aliases)
    {
        var syntax = IntegerSyntax(min, max, unit);
        return new TypedOption<int?>(name, aliases, syntax)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = ParserGlue.One<int?>(name, (string text, out int? value) =>
            {
                var problem = ValueParsers.Integer(text, min, max, unit, out long parsed, example);
                value = (int)parsed;
                return problem;
            }),
        };
    }

    /// <summary>A whole number with a default.</summary>
    public static TypedOption<int> Integer(string name, string description, int min, int max, int defaultValue,
        string helpName = "N", string? unit = null)
    {
        var syntax = IntegerSyntax(min, max, unit);
        return new TypedOption<int>(name, [], syntax)
        {
            Description = description,
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = ParserGlue.One<int>(name, (string text, out int value) =>
            {
                var problem = ValueParsers.Integer(text, min, max, unit, out long parsed);
                value = (int)parsed;
                return problem;
            }),
        };
    }

    /// <summary>Whole seconds; null when absent.</summary>
    public static TypedOption<int?> Seconds(string name, string description, int min, int max) =>
        Integer(name, description, min, max, "SECONDS", "seconds");

    /// <summary>Whole seconds with a default.</summary>
    public static TypedOption<int> Seconds(string name, string description, int min, int max, int defaultValue) =>
        Integer(name, description, min, max, defaultValue, "SECONDS", "seconds");

    /// <summary>Seconds that may have a fraction (0.5), with a default.</summary>
    public static TypedOption<double> FractionalSeconds(string name, string description, double min, double max, double defaultValue,
        params string[] aliases)
    {
        var syntax = new ValueSyntax(ValueKind.Number, ValueParsers.DecimalForm(min, max, "seconds"),
            text => ValueParsers.Decimal(text, min, max, "seconds", out _));
        return new TypedOption<double>(name, aliases, syntax)
        {
            Description = description,
            HelpName = "SECONDS",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = ParserGlue.One<double>(name, (string text, out double value) => ValueParsers.Decimal(text, min, max, "seconds", out value)),
        };
    }

    /// <summary>A TCP or UDP port, 1 to 65535.</summary>
    public static TypedOption<int?> Port(string name, string description, bool required = false)
    {
        var option = Integer(name, description, 1, 65535, "PORT", example: 8080);
        option.Required = required;
        return option;
    }

    /// <summary>
    /// A size in MiB, written as in specs: a bare number is MiB (<c>2048</c>), or a binary unit (<c>512M</c>,
    /// <c>1G</c>, <c>1.5GiB</c>); returns MiB. For memory (like virt-install's --memory) and MiB/s rates.
    /// </summary>
    public static TypedOption<long?> SizeMiB(string name, string description, string helpName = "SIZE")
    {
        var syntax = new ValueSyntax(ValueKind.Size, "a size in MiB (2048) or with a binary unit (512M, 2G)",
            text => ValueParsers.SizeMiB(text, out _));
        return new TypedOption<long?>(name, [], syntax)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = ParserGlue.One<long?>(name, (string text, out long? value) =>
            {
                var problem = ValueParsers.SizeMiB(text, out long mib);
                value = mib;
                return problem;
            }),
        };
    }

    /// <summary>A size in bytes that needs its unit (<c>20G</c>, <c>512M</c>, <c>4096B</c>); returns bytes.</summary>
    public static TypedOption<long?> Bytes(string name, string description, string helpName = "SIZE")
    {
        var syntax = new ValueSyntax(ValueKind.Size, "a size with a binary unit (20G, 512M, 4096B)", text => ValueParsers.Bytes(text, out _));
        return new TypedOption<long?>(name, [], syntax)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = ParserGlue.One<long?>(name, (string text, out long? value) =>
            {
                var problem = ValueParsers.Bytes(text, out long bytes);
                value = bytes;
                return problem;
            }),
        };
    }

    /// <summary>One of <paramref name="values"/> (any case); null when absent.</summary>
    public static TypedOption<string?> Choice(string name, string description, params string[] values) =>
        Choice<string?>(name, description, null, values);

    /// <summary>One of <paramref name="values"/> (any case), <paramref name="defaultValue"/> when absent.</summary>
    public static TypedOption<string> ChoiceWithDefault(string name, string description, string defaultValue, string[] values,
        params string[] aliases) =>
        Choice<string>(name, description, defaultValue, values, aliases);

    private static TypedOption<T> Choice<T>(string name, string description, T? defaultValue, string[] values, params string[] aliases)
        where T : class?
    {
        var syntax = ChoiceSyntax(values);
        var option = new TypedOption<T>(name, aliases, syntax)
        {
            Description = description,
            HelpName = string.Join('|', values),
            CustomParser = ParserGlue.One<T>(name, (string text, out T value) =>
            {
                var problem = ValueParsers.Choice(text, values, out string chosen);
                value = (T)(object)chosen;
                return problem;
            }),
        };
        if (defaultValue is not null)
            option.DefaultValueFactory = _ => defaultValue;
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>
    /// on|off (also yes/no, true/false, 1/0); returns "on" or "off", null when absent. Typed as text: System.CommandLine
    /// gives a bool option the next token only when it reads as true or false, so "--autostart on" would not parse.
    /// </summary>
    public static TypedOption<string?> OnOff(string name, string description)
    {
        var syntax = new ValueSyntax(ValueKind.OnOff, "on or off", text => ValueParsers.OnOff(text, out _));
        return new TypedOption<string?>(name, [], syntax)
        {
            Description = description,
            HelpName = "on|off",
            CustomParser = ParserGlue.One<string?>(name, (string text, out string? value) =>
            {
                var problem = ValueParsers.OnOff(text, out bool parsed);
                value = parsed ? "on" : "off";
                return problem;
            }),
        };
    }

    internal static ValueSyntax TextSyntax(TextKind kind, bool allowEmpty = false) =>
        new(ValueKind.Text, kind switch
        {
            TextKind.Name => "a name",
            TextKind.Path => "a path",
            _ => "text",
        }, text => ValueParsers.Text(text, kind, allowEmpty: allowEmpty && kind == TextKind.Free));

    internal static ValueSyntax IntegerSyntax(long min, long max, string? unit) =>
        new(ValueKind.Integer, ValueParsers.IntegerForm(min, max, unit), text => ValueParsers.Integer(text, min, max, unit, out _));

    internal static ValueSyntax ChoiceSyntax(IReadOnlyList<string> values) =>
        new(ValueKind.Choice, "one of " + string.Join(", ", values), text => ValueParsers.Choice(text, values, out _));
}

using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Vireo.Cli.Options;

namespace Vireo.Cli.Tests;

/// <summary>One run of the table: a command line whose one symbol holds one bad value.</summary>
internal sealed record BadValueCase(string[] Args, string Command, string Symbol, ValueKind Kind, string Value, bool MustRefuse)
{
    public override string ToString() =>
        $"{Command} {Symbol}={ValueText.Quote(Value)}";
}

/// <summary>
/// The bad-value table: every option that takes a value and every argument of every command of the built tree, each
/// fed the values people type by mistake. A value the symbol's grammar refuses must be refused by the CLI itself:
/// exit 2, one <c>error:</c> line naming the symbol and the value, nothing sent. A value it takes (text, or a legal
/// 0) goes on, and whatever vireod (here FakeDaemon) answers must come out as an <c>error:</c> line with a documented
/// exit status. Never a stack trace, a System.* type name, a runtime resource key or exit 134.
/// </summary>
internal static partial class BadValueTable
{
    public static readonly string[] Values =
        ["abc", "-1", "0", "99999999999999999999", "1e400", "", "0x10", "NaN", "\uff11\uff12", new string('x', 10 * 1024)];

    /// <summary>The exit statuses a command may end with (ExitCodes); anything else, 134 first, is a crash.</summary>
    private static readonly int[] Documented = [0, 1, 2, 3, 4, 5];

    public static List<BadValueCase> Cases()
    {
        var root = new CliApp(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null)).BuildRoot();
        var cases = new List<BadValueCase>();
        foreach (var (path, command) in Walk(root, []))
        {
            var targets = command.Arguments.Cast<Symbol>()
                .Concat(command.Options.Where(o => o is not HelpOption && o is ITypedSymbol { Syntax.Kind: not ValueKind.Flag }))
                .ToList();
            // The global --socket once, on a command that needs no other input.
            if (path.SequenceEqual(["version"]))
                targets.Add(root.Options.First(o => o.Name == "--socket"));
            foreach (var target in targets)
            {
                foreach (var value in Values)
                {
                    var syntax = ((ITypedSymbol)target).Syntax;
                    cases.Add(new BadValueCase(Line(path, command, target, value), "vireo " + string.Join(' ', path), target.Name, syntax.Kind, value,
                        MustRefuse: syntax.Check(value) is not null));
                }
            }
        }
        return cases;
    }

    /// <summary>Every failure of <paramref name="result"/> against what <paramref name="c"/> must do; empty when it passed.</summary>
    public static IEnumerable<string> Problems(BadValueCase c, CliResult result, IReadOnlyCollection<RecordedRequest> sent)
    {
        if (!Documented.Contains(result.ExitCode))
            yield return $"exit status {result.ExitCode}";
        foreach (var bad in new[] { "Unhandled exception", "System.", "   at " })
        {
            if (result.Stderr.Contains(bad, StringComparison.Ordinal) || result.Stdout.Contains(bad, StringComparison.Ordinal))
                yield return $"\"{bad}\" in the output";
        }
        if (ResourceKey().Match(result.Stderr) is { Success: true } key)
            yield return $"the runtime resource key {key.Value} in stderr";
        if (c.MustRefuse)
        {
            string expected = $"error: {c.Symbol} {ValueText.Quote(c.Value)} ";
            if (result.ExitCode != 2)
                yield return $"exit status {result.ExitCode}, not 2";
            if (!result.Stderr.StartsWith(expected, StringComparison.Ordinal))
                yield return $"stderr does not start with {expected}";
            if (sent.Count > 0)
                yield return $"{sent.Count} request(s) sent: {string.Join(", ", sent.Select(r => r.Method + " " + r.PathAndQuery))}";
        }
        else if (result.ExitCode != 0 && !result.Stderr.Split('\n').Any(l => l.StartsWith("error: ", StringComparison.Ordinal)))
        {
            yield return $"exit status {result.ExitCode} without an error: line";
        }
    }

    /// <summary>Runs every case through <paramref name="run"/>; returns one line per failed case.</summary>
    public static async Task<List<string>> RunAsync(FakeDaemon daemon, Func<string[], Task<CliResult>> run, IEnumerable<BadValueCase> cases)
    {
        var failures = new List<string>();
        foreach (var c in cases)
        {
            daemon.Requests.Clear();
            var result = await run(c.Args);
            var problems = Problems(c, result, daemon.Requests.ToList()).ToList();
            if (problems.Count > 0)
                failures.Add($"{c}: {string.Join("; ", problems)} (exit {result.ExitCode}, stderr: {Short(result.Stderr)})");
        }
        return failures;
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "..." : text.TrimEnd();

    private static IEnumerable<(string[] Path, Command Command)> Walk(Command command, string[] path)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            if (sub.Action is not null)
                yield return (subPath, sub);
            foreach (var inner in Walk(sub, subPath))
                yield return inner;
        }
    }

    /// <summary>The command line: valid values everywhere but in <paramref name="target"/>.</summary>
    private static string[] Line(string[] path, Command command, Symbol target, string value)
    {
        var args = new List<string>(path);
        string where = string.Join(' ', path);
        foreach (var argument in command.Arguments)
        {
            if (argument == target)
                args.Add(value);
            else if (argument.Arity.MinimumNumberOfValues > 0)
                args.Add(Sample(where, argument));
        }
        foreach (var option in command.Options.Where(o => o.Required && o != target))
            args.AddRange([option.Name, Sample(where, option)]);
        if (target is Option targetOption)
            args.AddRange([targetOption.Name, value]);
        // The console waits for a quiet guest after stdin ends: not here.
        if (where == "console" && target.Name != "--idle")
            args.AddRange(["--idle", "0"]);
        return [.. args];
    }

    /// <summary>A valid value for a symbol that is not under test.</summary>
    private static string Sample(string command, Symbol symbol) => (command, symbol.Name) switch
    {
        ("net forward add", "--to") => "web1:80",
        ("net bridge-uplink", "--from") => "eth0",
        (_, "NAME" or "SRC") => "web1",
        (_, "DST") => "web2",
        (_, "VOLUME" or "SOURCE" or "DESTINATION") => "default/a.qcow2",
        (_, "MEDIUM") => "/tmp/a.iso",
        (_, "SNAPSHOT") => "s1",
        (_, "NETWORK" or "POOL") => "default",
        (_, "MAC" or "--mac") => "52:54:00:12:34:56",
        (_, "ADDRESS") => "192.168.122.10",
        (_, "BRIDGE") => "br0",
        (_, "--network") => "network=default",
        (_, "--name") => "x1",
        (_, "--role") => "viewer",
        _ => Generic((ITypedSymbol)symbol),
    };

    private static string Generic(ITypedSymbol symbol) =>
        new[] { "web1", "/tmp/vireo-sample", "1", "1G", "raw", "on", "up", "table" }.First(v => symbol.Syntax.Check(v) is null);

    /// <summary>What .NET prints instead of a message when its resources are stripped: IO_FileNotFound_FileName, net_http_...</summary>
    [GeneratedRegex(@"\b[A-Za-z]+_[A-Z][a-z][A-Za-z]*(_[A-Za-z]+)*\b|\bnet_[a-z]+_[a-z_]+\b")]
    private static partial Regex ResourceKey();
}

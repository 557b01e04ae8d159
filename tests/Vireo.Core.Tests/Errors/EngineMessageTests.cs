using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Tests.Errors;

/// <summary>
/// Engine messages (exception messages, field errors, refusals) are plain sentences; a command or flag belongs in the
/// hint. Checked over the sources of Core, Host and Daemon: every string literal that names a command must be the
/// value of a hint (<c>Hint = ...</c>, <c>hint: ...</c>, a check's <c>fix:</c>), an argv token, or in a file the
/// table below exempts with its reason.
/// </summary>
public sealed partial class EngineMessageTests
{
    /// <summary>Files whose literals are not engine messages, and why.</summary>
    private static readonly Dictionary<string, string> ExemptFiles = new()
    {
        ["src/Vireo.Daemon/DaemonOptions.cs"] = "vireod's own usage text and command-line errors name vireod's flags",
        ["src/Vireo.Daemon/InstanceLock.cs"] = "vireod's startup error names vireod's own --state-dir",
        ["src/Vireo.Daemon/DaemonHost.cs"] = "vireod's startup errors name vireod's own flags; printed by vireod, not the API",
        ["src/Vireo.Host/Checks/"] = "host check report: each check has a separate fix field, positional",
        ["src/Vireo.Core/Networks/NetworkService.Doctor.cs"] = "net doctor report: each check has a separate fix field, positional",
        ["src/Vireo.Host/Uplink/UplinkPlan.cs"] = "the plan that --dry-run prints: output, not an error",
        ["src/Vireo.Host/Uplink/Persistence/"] = "the network configuration files --persist writes, and what it says about them",
    };

    /// <summary>Single literals that are output, not messages.</summary>
    private static readonly Dictionary<string, string> ExemptLiterals = new()
    {
        ["given with --check"] = "UplinkPlanner: where the plan's check address came from, shown by --dry-run",
        ["(with --persist, the configuration does so from the next boot)"] = "UplinkPlanner: a warning in the plan --dry-run prints",
    };

    [Fact]
    public void No_engine_message_names_a_command_or_flag_outside_a_hint()
    {
        var root = RepoRoot();
        var violations = new List<string>();
        var literals = 0;
        foreach (var project in new[] { "src/Vireo.Core", "src/Vireo.Host", "src/Vireo.Daemon" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                    continue;
                if (ExemptFiles.Keys.Any(e => relative.StartsWith(e, StringComparison.Ordinal)))
                    continue;
                var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file), new CSharpParseOptions(LanguageVersion.Preview), file);
                foreach (var node in tree.GetRoot().DescendantNodes())
                {
                    if (TextOf(node) is not { } text)
                        continue;
                    literals++;
                    if (!MessageRules.CarriesCommandSyntax(text) || ArgvToken().IsMatch(text) || IsHint(node) ||
                        ExemptLiterals.Keys.Any(e => text.Contains(e, StringComparison.Ordinal)))
                        continue;
                    var line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    violations.Add($"{relative}:{line}: {text}");
                }
            }
        }
        Assert.True(literals > 1000, $"only {literals} string literals found: the scan is not reading the sources");
        Assert.True(violations.Count == 0,
            "engine messages must be plain sentences; move the command or flag into Hint (FieldError.Hint, hint:):\n  " +
            string.Join("\n  ", violations));
    }

    [Theory]
    [InlineData("VM \"web\" is running; `vireo shutdown web` first", true)]
    [InlineData("stop it first (vireo shutdown web)", true)]
    [InlineData("pass --force to take it over", true)]
    [InlineData("is smaller than the current 1 GiB; pass allow_shrink (--allow-shrink)", true)]
    [InlineData("reinstall it: apt-get install qemu-utils", true)]
    [InlineData("VM \"web\" is running", false)]
    [InlineData("must be 1-65535", false)]
    [InlineData("the vireo table is missing", false)]
    [InlineData("a 2--3 range", false)]
    public void The_rule_tells_command_syntax_from_prose(string text, bool syntax) =>
        Assert.Equal(syntax, MessageRules.CarriesCommandSyntax(text));

    [Fact]
    public void A_field_error_summary_names_its_subject_and_the_single_problem()
    {
        FieldError size = new() { Field = "size", Value = "abc", Message = "is not a size" };
        var one = InvalidInputException.For("volume", [size]);
        Assert.Equal("invalid volume: size: \"abc\" is not a size", one.Message);
        Assert.Equal(ErrorCodes.Invalid, one.Code);
        var two = InvalidInputException.For("network", [size, size with { Field = "subnet" }], hint: "List them: vireo net list");
        Assert.Equal("invalid network: 2 problems", two.Message);
        Assert.Equal("List them: vireo net list", two.Hint);
        Assert.Throws<ArgumentException>(() => InvalidInputException.For("pool", []));
    }

    [Fact]
    public void Not_found_is_a_sentence_with_the_listing_command_as_its_hint()
    {
        var vm = new NotFoundException("VM", "web");
        Assert.Equal("VM \"web\" does not exist", vm.Message);
        Assert.Equal("List the defined VMs: vireo list --all", vm.Hint);
        var snapshot = new NotFoundException("snapshot", "web/s1", hint: "List the snapshots of web: vireo snapshot list web");
        Assert.Equal("snapshot \"web/s1\" does not exist", snapshot.Message);
        Assert.Contains("vireo snapshot list web", snapshot.Hint);
    }

    /// <summary>The literal's text: interpolations stand as {…}; null for anything that is not a string literal.</summary>
    private static string? TextOf(SyntaxNode node) => node switch
    {
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.StringLiteralExpression) => l.Token.ValueText,
        InterpolatedStringExpressionSyntax i => string.Concat(i.Contents.Select(c => c is InterpolatedStringTextSyntax t ? t.TextToken.ValueText : "{…}")),
        _ => null,
    };

    /// <summary>
    /// Whether the literal is (part of) a hint: the first named argument, property assignment or variable above it
    /// is <c>hint:</c>, <c>fix:</c>, <c>Hint =</c>, <c>Fix =</c> or a variable named for a hint or fix, or it is in
    /// an expression-bodied method so named.
    /// </summary>
    private static bool IsHint(SyntaxNode node)
    {
        foreach (var above in node.Ancestors())
        {
            switch (above)
            {
                case ArgumentSyntax { NameColon: { } name }:
                    return name.Name.Identifier.ValueText is "hint" or "Hint" or "fix";
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left }:
                    return left.Identifier.ValueText is "Hint" or "Fix";
                case VariableDeclaratorSyntax variable:
                    return NamesAHint(variable.Identifier.ValueText);
                case MethodDeclarationSyntax method:
                    return NamesAHint(method.Identifier.ValueText);
                case StatementSyntax or MemberDeclarationSyntax:
                    return false;
            }
        }
        return false;
    }

    /// <summary>hintFor, fullFirstHint, PvmFix, fixWhenDenied: a hint (or a check's fix) by its name.</summary>
    private static bool NamesAHint(string name) =>
        name.StartsWith("hint", StringComparison.OrdinalIgnoreCase) || name.EndsWith("hint", StringComparison.OrdinalIgnoreCase) ||
        name.StartsWith("fix", StringComparison.OrdinalIgnoreCase) || name.EndsWith("fix", StringComparison.OrdinalIgnoreCase);

    /// <summary>One argument of a command line vireod runs (--conf-file=..., --version), not a sentence.</summary>
    [GeneratedRegex(@"^--?[a-zA-Z][a-zA-Z0-9:-]*(=\S*)?$")]
    private static partial Regex ArgvToken();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Vireo.slnx above {AppContext.BaseDirectory}");
    }
}

using System.CommandLine;
using System.CommandLine.Help;
using Vireo.Cli.Options;

namespace Vireo.Cli.Tests;

/// <summary>The bad-value table (see <see cref="BadValueTable"/>) in-process and through the built vireo.dll.</summary>
public sealed class BadValueTableTests : FakeDaemonTest
{
    [Fact]
    public void Every_option_and_argument_of_every_command_is_made_by_the_typed_factories()
    {
        var untyped = new List<string>();
        void Walk(Command command, string path)
        {
            foreach (var symbol in command.Options.Where(o => o is not HelpOption and not VersionOption).Cast<Symbol>().Concat(command.Arguments))
            {
                if (symbol is not ITypedSymbol)
                    untyped.Add($"{path} {symbol.Name}");
            }
            foreach (var sub in command.Subcommands)
                Walk(sub, path + " " + sub.Name);
        }
        Walk(new CliApp(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null)).BuildRoot(), "vireo");

        // Use Opt.* and Arg.* (src/Vireo.Cli/Options): they parse values with messages, so nothing reads a failed value.
        Assert.Empty(untyped);
    }

    [Fact]
    public void The_table_covers_every_command_and_typed_values_refuse_all_of_it_but_a_legal_zero()
    {
        var cases = BadValueTable.Cases();
        var commands = cases.Select(c => c.Command).Distinct().ToList();
        Assert.Contains("vireo shutdown", commands);
        Assert.Contains("vireo net forward add", commands);
        Assert.True(commands.Count >= 40, $"only {commands.Count} commands");
        // Typed symbols (numbers, sizes, choices, on/off) take none of the table but "0" where 0 is in range; text
        // (names, paths) goes to vireod, which judges it, but never empty or 10 KB long.
        Assert.All(cases.Where(c => !c.MustRefuse), c => Assert.True(c.Kind == ValueKind.Text || c.Value == "0", c.ToString()));
        Assert.All(cases.Where(c => c.Value.Length > 4096 || c.Value.Length == 0 && c.Symbol != "--description"), c => Assert.True(c.MustRefuse, c.ToString()));
        Assert.Contains(cases, c => c.Kind == ValueKind.Integer && !c.MustRefuse);
        Assert.Contains(cases, c => c.Kind == ValueKind.Text && !c.MustRefuse);
    }

    [Fact]
    public async Task Every_command_takes_the_table_in_process()
    {
        var cwd = Directory.CreateTempSubdirectory("vireo-bad-").FullName;
        try
        {
            var failures = await BadValueTable.RunAsync(Daemon,
                args => CliRunner.RunAsync(Daemon.SocketPath, args, cwd: cwd), BadValueTable.Cases());
            Assert.True(failures.Count == 0, $"{failures.Count} failed:\n" + string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }

    /// <summary>
    /// The values of the issue through the real process path of `dotnet vireo.dll` (Program.cs, fds, exit status);
    /// the whole table runs against the Native AOT executable in NativeAotTests (a JIT start per case would take minutes).
    /// </summary>
    [Fact]
    public async Task The_built_vireo_dll_takes_the_table_on_the_options_that_crashed()
    {
        var cwd = Directory.CreateTempSubdirectory("vireo-bad-").FullName;
        try
        {
            var crashed = new[] { ("vireo shutdown", "--timeout"), ("vireo console", "--idle"), ("vireo logs", "--tail"), ("vireo create", "--memory"),
                ("vireo net forward add", "--host-port") };
            var cases = BadValueTable.Cases().Where(c => crashed.Contains((c.Command, c.Symbol))).ToList();
            Assert.Equal(crashed.Length * BadValueTable.Values.Length, cases.Count);
            var failures = await BadValueTable.RunAsync(Daemon,
                args => BinaryRunner.RunAsync("dotnet", [BinaryRunner.VireoDll], args, Daemon.SocketPath, cwd), cases);
            Assert.True(failures.Count == 0, $"{failures.Count} failed:\n" + string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }
}

using System.CommandLine;
using System.CommandLine.Help;

namespace Vireo.Cli.Tests;

/// <summary>A run builds only the top-level command it names (start time); these keep that table true.</summary>
public sealed class CommandTreeTests
{
    private static CliApp NewApp() => new(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null));

    [Fact]
    public void Each_top_level_group_makes_exactly_the_commands_it_names()
    {
        foreach (var group in NewApp().TopLevelCommands())
        {
            var made = group.Create().SelectMany(c => c.Aliases.Prepend(c.Name)).Order().ToList();
            Assert.Equal(group.Names.Order().ToList(), made);
        }
    }

    [Fact]
    public void The_name_table_matches_the_full_tree()
    {
        var full = NewApp().BuildRoot().Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)).Order().ToList();
        Assert.Equal(CliApp.TopLevelNames.Order().ToList(), full);
    }

    [Fact]
    public void A_named_command_gets_a_root_with_only_that_command_and_the_global_options()
    {
        var root = NewApp().BuildRoot("vol");
        Assert.Equal(["vol"], root.Subcommands.Select(c => c.Name));
        Assert.Contains(root.Options, o => o.Name == "--socket");
        Assert.NotEmpty(root.Subcommands[0].Subcommands);
    }

    [Fact]
    public void A_run_without_help_or_version_tokens_gets_a_root_without_those_options()
    {
        var plain = NewApp().BuildRoot("vol", withHelp: false);
        Assert.IsNotType<RootCommand>(plain);
        Assert.DoesNotContain(plain.Options, o => o is HelpOption or VersionOption);
        Assert.Contains(plain.Options, o => o.Name == "--socket");
        Assert.All(["-h", "--help", "-?", "/?", "/h", "--version", "[suggest]"], t => Assert.True(CliApp.MayAskForHelp(t), t));
        Assert.All(["vol", "convert", "--format", "-o", "hello"], t => Assert.False(CliApp.MayAskForHelp(t), t));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_anywhere_on_the_line_still_shows_the_man_page(string token)
    {
        var result = await CliRunner.RunAsync(null, ["vol", "convert", "default/a.raw", token]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("vol convert", result.Stdout);
        Assert.Contains("--rate-limit", result.Stdout);
    }

    [Fact]
    public async Task A_parse_error_without_help_tokens_still_names_the_help_to_run()
    {
        var result = await CliRunner.RunAsync(null, ["vol", "convert", "default/a.raw", "default/b.raw", "--format", "raw", "--bogus"]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: unknown option \"--bogus\" for vireo vol convert\nhint: vireo vol convert --help shows the usage\n", result.Stderr);
    }

    [Fact]
    public async Task A_typo_in_the_command_name_still_gets_suggestions_from_every_command()
    {
        var result = await CliRunner.RunAsync(null, ["snapshto"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: unknown command \"snapshto\"; did you mean snapshot?\nhint: vireo --help lists the commands\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task A_typo_in_a_subcommand_gets_suggestions_from_its_own_command()
    {
        var result = await CliRunner.RunAsync(null, ["vol", "lst"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: unknown command \"lst\" for vireo vol; did you mean list?\nhint: vireo vol --help lists the commands\n", result.Stderr);
    }

    [Fact]
    public async Task Global_options_before_the_command_still_work()
    {
        var result = await CliRunner.RunAsync(null, ["--socket", "/nonexistent/vireod.sock", "vol", "list"]);

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("/nonexistent/vireod.sock", result.Stderr);
    }
}

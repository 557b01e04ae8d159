using Vireo.Cli.Output;

namespace Vireo.Cli.Tests;

/// <summary>Output that fits where it goes: the width of the terminal or $COLUMNS, no trailing spaces, plain text in a pipe.</summary>
public sealed class OutputLayoutTests : FakeDaemonTest
{
    /// <summary>Every command that draws a table, a key/value list or a check list.</summary>
    public static TheoryData<string[]> Tables() => new()
    {
        new[] { "list", "--all" },
        new[] { "info", "web1" },
        new[] { "info", "cr1" },
        new[] { "host", "check" },
        new[] { "net", "doctor" },
        new[] { "ip", "web1" },
        new[] { "snapshot", "list", "web1" },
    };

    /// <summary>The tables, and the plain-text reports (a tree, version's lines).</summary>
    public static TheoryData<string[]> ReadCommands() => new()
    {
        new[] { "list", "--all" },
        new[] { "info", "web1" },
        new[] { "info", "cr1" },
        new[] { "host", "check" },
        new[] { "net", "doctor" },
        new[] { "ip", "web1" },
        new[] { "snapshot", "list", "web1" },
        new[] { "snapshot", "list", "web1", "--tree" },
        new[] { "version" },
    };

    private static bool IsBoxDrawing(char c) => c is >= '\u2500' and <= '\u257f';

    [Theory]
    [MemberData(nameof(ReadCommands))]
    public async Task Piped_output_is_plain_text_without_box_drawing_escapes_or_trailing_spaces(string[] args)
    {
        var result = await Vireo(args);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.NotEqual("", result.Stdout);
        Assert.DoesNotContain(result.Stdout, IsBoxDrawing);
        Assert.DoesNotContain("\u001b", result.Stdout);
        AssertNoTrailingSpaces(result.Stdout);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Every_width_is_honoured_without_trailing_spaces(string[] args)
    {
        foreach (int width in new[] { 200, 120, 80, 60, 40, 20 })
        {
            var result = await CliRunner.RunAsync(Daemon.SocketPath, args, width: width);
            Assert.True(result.ExitCode == 0, result.Stderr);
            foreach (var line in result.Stdout.Split('\n'))
                Assert.True(line.Length <= width, $"{string.Join(' ', args)} at {width} columns: {line.Length} wide: \"{line}\"");
            AssertNoTrailingSpaces(result.Stdout);
        }
    }

    [Fact]
    public async Task A_narrow_table_turns_into_one_block_per_row_and_keeps_every_value_whole()
    {
        var result = await CliRunner.RunAsync(Daemon.SocketPath, ["list", "--all"], width: 30);

        Assert.Equal(
            "NAME       cr1\nSTATE      crashed\nVCPUS      2\nMEMORY     1 GiB\nAUTOSTART  no\nPID        -\n\n" +
            "NAME       db1\nSTATE      stopped\nVCPUS      2\nMEMORY     1 GiB\nAUTOSTART  no\nPID        -\n\n" +
            "NAME       web1\nSTATE      running\nVCPUS      2\nMEMORY     1 GiB\nAUTOSTART  no\nPID        4242\n", result.Stdout);
    }

    [Fact]
    public async Task On_a_terminal_checks_get_a_rounded_table_and_states_their_colours()
    {
        var checks = await CliRunner.RunAsync(Daemon.SocketPath, ["host", "check"], width: 100, terminal: true);
        Assert.Contains('╭', checks.Stdout);
        AssertNoTrailingSpaces(checks.Stdout);

        var list = await CliRunner.RunAsync(Daemon.SocketPath, ["list"], width: 100, terminal: true);
        Assert.Contains("\u001b[", list.Stdout);
        AssertNoTrailingSpaces(list.Stdout);

        // Too narrow for the rounded table: plain rows, still fitted.
        var narrow = await CliRunner.RunAsync(Daemon.SocketPath, ["net", "doctor"], width: 50, terminal: true);
        Assert.DoesNotContain(narrow.Stdout, IsBoxDrawing);
    }

    [Fact]
    public async Task The_snapshot_tree_is_ascii_in_a_pipe_and_drawn_on_a_terminal()
    {
        var piped = await Vireo("snapshot", "list", "web1", "--tree");
        Assert.Equal(
            "base  (disk-only, stopped, 2026-11-24 11:00:00 UTC)\n" +
            "|-- s1  (disk-only, stopped, 2026-11-24 11:00:00 UTC)\n" +
            "|   `-- s1a  (disk-only, stopped, 2026-11-24 11:00:00 UTC)\n" +
            "`-- s2 *  (disk-only, stopped, 2026-11-24 11:00:00 UTC)\n", piped.Stdout);

        var drawn = await CliRunner.RunAsync(Daemon.SocketPath, ["snapshot", "list", "web1", "--tree"], terminal: true);
        Assert.Contains("├─ s1", drawn.Stdout);
        Assert.Contains("│  └─ s1a", drawn.Stdout);
    }

    [Fact]
    public void Plain_table_narrows_wrapping_columns_first_and_never_pads_the_last_cell()
    {
        var table = new PlainTable().Column("NAME").Column("SIZE", right: true).Column("DESCRIPTION", wraps: true)
            .Row("web1", "1 GiB", "the front end web server of the shop")
            .Row("db-primary", "16 GiB", "");

        Assert.Equal(["NAME          SIZE  DESCRIPTION", "web1         1 GiB  the front end web server of the shop", "db-primary  16 GiB"],
            table.Lines(80));
        Assert.Equal(["NAME          SIZE  DESCRIPTION", "web1         1 GiB  the front", "                    end web", "                    server of",
            "                    the shop", "db-primary  16 GiB"], table.Lines(32));
    }

    [Fact]
    public void Details_go_under_their_keys_when_the_width_leaves_too_little_beside_them()
    {
        var details = new DetailList().Row("Name", "web1").Row("Description", "a rather long text about it");
        Assert.Equal(["Name:         web1", "Description:  a rather long text about it"], details.Lines(80));
        Assert.Equal(["Name:", "  web1", "Description:", "  a rather long text", "  about it"], details.Lines(22));
    }

    [Fact]
    public void Trailing_spaces_go_and_colour_codes_after_them_stay()
    {
        var inner = new StringWriter();
        var trimmer = new TrailingSpaceTrimmer(inner);
        trimmer.Write("a  \u001b[0m   \nb c  ");
        trimmer.Write("\n");
        trimmer.Flush();
        Assert.Equal("a\u001b[0m\nb c\n", inner.ToString());
    }

    [Theory]
    [InlineData("120", 120)]
    [InlineData("5", CliEnvironment.MinWidth)]
    [InlineData("", null)]
    [InlineData("abc", null)]
    [InlineData("0", null)]
    [InlineData("99999999999", null)]
    public void Columns_variable(string text, int? width) => Assert.Equal(width, CliEnvironment.ParseColumns(text));

    private static void AssertNoTrailingSpaces(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            Assert.False(lines[i].EndsWith(' ') || lines[i].EndsWith('\t'), $"line {i + 1} ends with a space: \"{lines[i]}\"");
    }
}

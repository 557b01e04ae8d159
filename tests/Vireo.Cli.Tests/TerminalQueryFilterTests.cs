using System.Text;
using Vireo.Cli.Terminal;

namespace Vireo.Cli.Tests;

public sealed class TerminalQueryFilterTests
{
    private static string Run(params string[] chunks)
    {
        var filter = new TerminalQueryFilter();
        var output = new StringBuilder();
        foreach (var chunk in chunks)
            output.Append(Encoding.Latin1.GetString(filter.Filter(Encoding.Latin1.GetBytes(chunk))));
        output.Append(Encoding.Latin1.GetString(filter.Flush()));
        return output.ToString();
    }

    [Fact]
    public void The_cursor_position_query_after_a_prompt_is_removed() =>
        Assert.Equal("1\r\ntiny:~# ", Run("1\r\ntiny:~# \u001b[6n"));

    [Fact]
    public void A_query_split_across_chunks_is_removed() =>
        Assert.Equal("ab", Run("a\u001b", "[", "6nb"));

    [Fact]
    public void Other_escape_sequences_pass_unchanged() =>
        Assert.Equal("\u001b[1mbold\u001b[0m \u001b[6", Run("\u001b[1mbold\u001b[0m \u001b[6"));

    [Fact]
    public void A_repeated_escape_starts_a_new_candidate() =>
        Assert.Equal("\u001bx", Run("\u001b\u001b[6nx"));
}

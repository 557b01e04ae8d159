using Vireo.Cli.Create;

namespace Vireo.Cli.Tests;

public sealed class ImageOptionTests
{
    [Theory]
    [InlineData("debian-12", "debian-12", false, false)]
    [InlineData("debian-12,clone=linked", "debian-12", false, true)]
    [InlineData("web,clone=full", "web", true, true)]
    public void The_name_comes_first_and_clone_picks_linked_or_full(string text, string name, bool full, bool given) =>
        Assert.Equal(new ImageOption.Choice(name, full, given), ImageOption.Parse(text));

    [Theory]
    [InlineData("debian-12,clone=deep", "clone=\"deep\" is not linked or full")]
    [InlineData("debian-12,size=20G", "unknown item \"size\"")]
    [InlineData("clone=full", "the image name comes first")]
    public void Anything_else_is_a_usage_error_naming_the_accepted_spellings(string text, string problem)
    {
        var e = Assert.Throws<CliUsageException>(() => ImageOption.Parse(text));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains("clone=full", e.Message, StringComparison.Ordinal);
    }
}

using Vireo.Contracts;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

public class SizeParserTests
{
    [Theory]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("512M", 512L << 20)]
    [InlineData("512m", 512L << 20)]
    [InlineData("512mib", 512L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("1024KiB", 1L << 20)]
    [InlineData("1K", 1024L)]
    [InlineData("2048 MiB", 2048L << 20)]
    [InlineData("1T", 1L << 40)]
    [InlineData("100B", 100L)]
    [InlineData("  4G  ", 4L << 30)]
    [InlineData("0.5K", 512L)]
    [InlineData("8388607T", 8388607L << 40)]
    public void Parses_binary_sizes_into_bytes(string text, long bytes) =>
        Assert.Equal(bytes, SizeParser.Parse(text));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("abc", "is not a size")]
    [InlineData("-1G", "is negative")]
    [InlineData("0G", "is zero")]
    [InlineData("0", "has no unit")]
    [InlineData("1.2.3G", "is not a size")]
    [InlineData("512", "has no unit")]
    [InlineData("2GB", "ambiguous")]
    [InlineData("2mb", "ambiguous")]
    [InlineData("2X", "unknown unit \"X\"")]
    [InlineData("2PiB", "unknown unit")]
    [InlineData("8388608T", "too large")]
    [InlineData("99999999999999999999999999999G", "too large")]
    [InlineData("1.5B", "not a whole number of bytes")]
    [InlineData("2  G", "is not a size")]
    [InlineData(".5G", "is not a size")]
    [InlineData("1e3M", "is not a size")]
    [InlineData("+1G", "is not a size")]
    public void Rejects_invalid_sizes_with_a_reason(string text, string fragment)
    {
        Assert.False(SizeParser.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => SizeParser.Parse(text));
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2G", 2048)]
    [InlineData("1.5GiB", 1536)]
    [InlineData("1048576K", 1024)]
    [InlineData("1048576B", 1)]
    public void Parses_whole_MiB(string text, long mib) => Assert.Equal(mib, SizeParser.ParseMiB(text));

    [Theory]
    [InlineData("1536K", "not a whole number of MiB")]
    [InlineData("100B", "not a whole number of MiB")]
    [InlineData("1.1M", "not a whole number of bytes")]
    public void Rejects_sizes_that_are_not_whole_MiB(string text, string fragment)
    {
        Assert.False(SizeParser.TryParseMiB(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2L << 30, "2GiB")]
    [InlineData(1536L << 20, "1536MiB")]
    [InlineData(1L << 40, "1TiB")]
    [InlineData(3072L, "3KiB")]
    [InlineData(100L, "100B")]
    public void Formats_in_the_largest_exact_unit(long bytes, string text) =>
        Assert.Equal(text, SizeParser.Format(bytes));

    [Fact]
    public void Formatted_sizes_parse_back_to_the_same_bytes()
    {
        var random = new Random(4122);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = random.NextInt64(1, long.MaxValue >> random.Next(0, 62));
            Assert.Equal(bytes, SizeParser.Parse(SizeParser.Format(bytes)));
        }
    }

    [Theory]
    [InlineData(512, "512 MiB")]
    [InlineData(23968, "23.4 GiB")]
    [InlineData(2048, "2 GiB")]
    public void Describes_MiB_for_messages(long mib, string text) => Assert.Equal(text, SizeParser.Describe(mib));
}

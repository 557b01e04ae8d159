using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

public class VmNameRulesTests
{
    [Theory]
    [InlineData("web1")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("db.prod-eu_1")]
    [InlineData("a..b")]
    [InlineData("x23456789012345678901234567890123456789012345678901234567890123")]
    public void Accepts_valid_names(string name)
    {
        Assert.Null(VmNameRules.Validate(name));
        Assert.True(VmNameRules.IsValid(name));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("web/1", "contains \"/\", which would make it a path")]
    [InlineData("../etc", "contains \"/\"")]
    [InlineData("..", "is a path component")]
    [InlineData(".", "is a path component")]
    [InlineData("web 1", "contains a space")]
    [InlineData("web\u00071", "contains the control character \\u0007")]
    [InlineData("web\n", "contains the control character \\u000a")]
    [InlineData(".hidden", "starts with \".\"")]
    [InlineData("-rf", "starts with \"-\"")]
    [InlineData("café", "contains \"é\"")]
    [InlineData("web:1", "contains \":\"")]
    [InlineData("web\u202e1", "contains \"\\u202e\"")]
    [InlineData("web😀", "contains \"😀\"")]
    [InlineData("x234567890123456789012345678901234567890123456789012345678901234", "is 64 characters long; the maximum is 63")]
    public void Explains_what_is_wrong_and_what_is_allowed(string name, string fragment)
    {
        var error = VmNameRules.Validate(name);
        Assert.NotNull(error);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.False(VmNameRules.IsValid(name));
        if (fragment != "is 64 characters long; the maximum is 63" && !fragment.StartsWith("starts", StringComparison.Ordinal))
            Assert.Contains("letters, digits", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_not_a_name()
    {
        Assert.False(VmNameRules.IsValid(null));
        Assert.NotNull(VmNameRules.Validate(null));
    }

    [Fact]
    public void Messages_never_contain_raw_control_characters()
    {
        for (var c = '\0'; c < ' '; c++)
        {
            var error = VmNameRules.Validate($"a{c}b")!;
            Assert.DoesNotContain(error, ch => char.IsControl(ch));
        }
    }
}

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

    [Theory]
    [InlineData("web1", "web1")]
    [InlineData("web_1", "web-1")]
    [InlineData("db_", "db")]
    [InlineData("a__b", "a--b")]
    [InlineData("db.prod-eu_1", "db.prod-eu-1")]
    [InlineData("a._b", "a.b")]
    [InlineData("a..b", "a.b")]
    [InlineData("a_.b_", "a.b")]
    [InlineData("web.", "web")]
    public void A_VM_name_gives_a_valid_hostname(string name, string hostname)
    {
        Assert.Equal(hostname, VmNameRules.GuestHostname(name));
        // RFC 1123 labels: letters, digits and inner hyphens.
        Assert.Matches(@"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$", VmNameRules.GuestHostname(name));
    }

    [Fact]
    public void The_guest_applies_the_same_hostname_rule_as_the_host()
    {
        // guest/tiny/rootfs/init turns vireo.hostname= into a hostname with this pipeline; both sides must agree.
        var init = File.ReadAllText(Path.Combine(RepoRoot(), "guest", "tiny", "rootfs", "init"));
        var line = init.Split('\n').Single(l => l.StartsWith("name=$(printf", StringComparison.Ordinal));
        var pipeline = line["name=$(".Length..^1].Replace("\"$name\"", "\"$1\"", StringComparison.Ordinal);
        foreach (var name in new[] { "web1", "web_1", "db_", "a__b", "db.prod-eu_1", "a._b", "a..b", "a_.b_", "web.", "x_-_y" })
        {
            var psi = new System.Diagnostics.ProcessStartInfo("sh", ["-c", pipeline, "sh", name]) { RedirectStandardOutput = true };
            using var sh = System.Diagnostics.Process.Start(psi)!;
            var output = sh.StandardOutput.ReadToEnd();
            sh.WaitForExit();
            Assert.Equal(VmNameRules.GuestHostname(name), output);
        }
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(dir, "guest", "tiny")))
            dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("no guest/tiny above the test binaries");
        return dir;
    }
}

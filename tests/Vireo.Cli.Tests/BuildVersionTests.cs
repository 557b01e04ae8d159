using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class BuildVersionTests
{
    [Theory]
    [InlineData("0.1.0+8b695d93d5c72233cbed41e4afc5c595ca415b4c", "0.1.0+8b695d93d5c7")] // dotnet build: the SDK's commit, shortened
    [InlineData("0.1.0+git20261207.223749.104b03e", "0.1.0+git20261207.223749.104b03e")] // the package's Debian version, whole
    [InlineData("0.1.0+git20261207.223749.104b03e+upgrade1", "0.1.0+git20261207.223749.104b03e+upgrade1")]
    [InlineData("0.1.0", "0.1.0")]
    [InlineData(null, "0.0.0")]
    public void Versions_are_shown_whole_but_for_the_sdk_commit_hash(string? informational, string shown) =>
        Assert.Equal(shown, BuildVersion.Display(informational));
}

using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>The rendered nft script, against golden files (which real nft accepts: see NftFirewallTests).</summary>
public sealed class NftRenderTests
{
    [Theory]
    [InlineData("empty")]
    [InlineData("one-nat")]
    [InlineData("nat-and-isolated")]
    [InlineData("forwards")]
    public void Render_MatchesTheGoldenScript(string model) =>
        Golden.Matches($"nft-{model}.nft", NftFirewall.Render(FirewallModels.All[model]));

    [Fact]
    public void Render_UsesTheGivenTableName_InEveryTableStatement()
    {
        var script = NftFirewall.Render(FirewallModels.All["one-nat"], "vireotest_x");
        Assert.Equal(3, script.Split('\n').Count(l => l.StartsWith("table ip vireotest_x", StringComparison.Ordinal)
                                                    || l.StartsWith("delete table ip vireotest_x", StringComparison.Ordinal)));
        Assert.DoesNotContain("ip vireo ", script);
    }

    [Fact]
    public void Render_WritesTheNetworkAddressOfASubnetGivenWithAHostPart()
    {
        var script = NftFirewall.Render(new([new("n", "vbr0", "192.168.5.77/24", true)], []));
        Assert.Contains("ip saddr 192.168.5.0/24 ip daddr != 192.168.5.0/24 masquerade", script);
        Assert.DoesNotContain("192.168.5.77", script);
    }

    [Theory]
    [InlineData("br0\" accept; #", "10.0.0.0/8", "tcp")]
    [InlineData("vbr0", "10.0.0.0/33", "tcp")]
    [InlineData("vbr0", "10.0.0.0/8", "sctp")]
    public void Render_RefusesValuesThatCouldInjectOrBreakRules(string bridge, string subnet, string protocol)
    {
        var net = new FirewallNetwork("n", bridge, subnet, true);
        var fwd = new FirewallForward("n", protocol, null, 80, "10.0.0.2", 80, bridge, subnet);
        Assert.ThrowsAny<Exception>(() => NftFirewall.Render(new([net], [fwd])));
    }
}

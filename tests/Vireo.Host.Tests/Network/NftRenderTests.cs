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
    [InlineData("address-forwards")]
    [InlineData("public-address-forward")]
    public void Render_MatchesTheGoldenScript(string model) =>
        Golden.Matches($"nft-{model}.nft", NftFirewall.Render(FirewallModels.All[model]));

    [Theory]
    [InlineData("empty", "")]
    [InlineData("one-nat", "net/ipv4/conf/vireo-br0/route_localnet=0")]
    [InlineData("forwards", "net/ipv4/conf/vireo-br0/route_localnet=1 net/ipv4/conf/vireo-br1/route_localnet=0")]
    [InlineData("address-forwards", "net/ipv4/conf/vireo-br0/route_localnet=1 net/ipv4/conf/vireo-br1/route_localnet=0")]
    [InlineData("public-address-forward", "net/ipv4/conf/vireo-br0/route_localnet=0 net/ipv4/conf/vireo-br1/route_localnet=0")]
    public void RouteLocalnet_IsOnExactlyForTheBridgesWhoseForwardsAnswerOnLoopback(string model, string expected) =>
        Assert.Equal(expected, string.Join(' ', NftFirewall.RouteLocalnetSettings(FirewallModels.All[model])));

    [Fact]
    public void Render_ALoopbackForward_HasNoPreroutingRule_AndTheWildcardsPreroutingRuleLeavesLoopbackOut()
    {
        var script = NftFirewall.Render(FirewallModels.All["address-forwards"]);
        var prerouting = Chain(script, "prerouting");
        var output = Chain(script, "output");
        Assert.DoesNotContain("127.0.0.1", prerouting);
        Assert.Contains("ip daddr 127.0.0.1 tcp dport 8081 dnat to 192.168.122.10:80", output);
        Assert.Contains("ip daddr 203.0.113.5 tcp dport 2222", prerouting);
        Assert.Contains("ip daddr 203.0.113.5 tcp dport 2222", output);

        var wildcard = Chain(NftFirewall.Render(FirewallModels.All["forwards"]), "prerouting");
        Assert.Contains("fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080", wildcard);
    }

    [Theory]
    [InlineData("one-nat")]
    [InlineData("nat-and-isolated")]
    [InlineData("public-address-forward")]
    public void Render_EveryBridgeDropsPacketsForLoopback_WhetherOrNotAForwardNeedsRouteLocalnet(string model)
    {
        var guard = Chain(NftFirewall.Render(FirewallModels.All[model]), "localnet_guard");
        Assert.Contains("type filter hook prerouting priority raw;", guard);
        foreach (var n in FirewallModels.All[model].Networks)
            Assert.Contains($"iifname \"{n.Bridge}\" ip daddr 127.0.0.0/8 drop", guard);
    }

    private static string Chain(string script, string name)
    {
        var start = script.IndexOf($"\tchain {name} {{", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no chain {name} in:\n{script}");
        return script[start..script.IndexOf("\t}", start, StringComparison.Ordinal)];
    }

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

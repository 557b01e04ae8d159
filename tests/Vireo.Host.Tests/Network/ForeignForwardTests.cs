using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// Other programs' forward-drop chains, for real: an nft table of "another program" and iptables-nft's FORWARD chain,
/// both inside a throwaway namespace (deleting it deletes them, even when a test fails).
/// </summary>
public sealed class ForeignForwardTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly FirewallNetwork Default = FirewallModels.Default;
    private static readonly FirewallNetwork Lab = FirewallModels.Lab;

    private static async Task<string> CreateForeignTableAsync(TestNamespace ns)
    {
        var table = "vireotest_fw_" + Guid.NewGuid().ToString("N")[..8];
        var script = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(script, $$"""
                table inet {{table}} {
                    chain guard { type filter hook forward priority 0; policy drop; iifname "eth9" accept; }
                    chain relaxed { type filter hook forward priority 10; policy accept; }
                    chain inbound { type filter hook input priority 0; policy drop; }
                }
                """);
            await ns.RunOkAsync("nft", "-f", script);
        }
        finally
        {
            File.Delete(script);
        }
        return table;
    }

    [Fact]
    public async Task FindForeignDropChains_FindsOnlyForwardChainsWithPolicyDrop_NotOurOwnTable()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var table = await CreateForeignTableAsync(ns);
        var firewall = new NftFirewall(ns.Runner, "vireotest_own");
        await firewall.ApplyAsync(new([Default], []), Ct);

        var found = await firewall.FindForeignDropChainsAsync(Ct);

        Assert.Equal([new ForeignForwardChain("inet", table, "guard")], found);
    }

    [Fact]
    public async Task EnsureForeignAccepts_InsertsTaggedAcceptsAtTheTop_OnceOnly_KeepingTheOwnersRules()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var table = await CreateForeignTableAsync(ns);
        var firewall = new NftFirewall(ns.Runner, "vireotest_own");

        await firewall.EnsureForeignAcceptsAsync([Default, Lab], Ct);
        await firewall.EnsureForeignAcceptsAsync([Default, Lab], Ct);

        var lines = RuleLines(await ns.RunOkAsync("nft", "list", "chain", "inet", table, "guard"));
        Assert.Equal(
        [
            "iifname \"vireo-br1\" accept comment \"vireo:lab\"",
            "oifname \"vireo-br1\" ct state established,related accept comment \"vireo:lab\"",
            "oifname \"vireo-br1\" ct status dnat accept comment \"vireo:lab\"",
            "iifname \"vireo-br0\" accept comment \"vireo:default\"",
            "oifname \"vireo-br0\" ct state established,related accept comment \"vireo:default\"",
            "oifname \"vireo-br0\" ct status dnat accept comment \"vireo:default\"",
            "iifname \"eth9\" accept",
        ], lines);
    }

    [Fact]
    public async Task EnsureForeignAccepts_ReplacesRulesForABridgeThatChanged()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var table = await CreateForeignTableAsync(ns);
        var firewall = new NftFirewall(ns.Runner, "vireotest_own");
        await firewall.EnsureForeignAcceptsAsync([Default], Ct);

        await firewall.EnsureForeignAcceptsAsync([Default with { Bridge = "vireo-br9" }], Ct);

        var listed = await ns.RunOkAsync("nft", "list", "chain", "inet", table, "guard");
        Assert.DoesNotContain("\"vireo-br0\"", listed);
        Assert.Equal(3, RuleLines(listed).Count(l => l.Contains("\"vireo-br9\"") && l.EndsWith("comment \"vireo:default\"")));
    }

    [Fact]
    public async Task RemoveForeignAccepts_DeletesExactlyOneNetworksRules_OrAllOfOurs()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var table = await CreateForeignTableAsync(ns);
        var firewall = new NftFirewall(ns.Runner, "vireotest_own");
        await firewall.EnsureForeignAcceptsAsync([Default, Lab], Ct);

        await firewall.RemoveForeignAcceptsAsync("lab", Ct);
        var afterOne = RuleLines(await ns.RunOkAsync("nft", "list", "chain", "inet", table, "guard"));
        await firewall.RemoveForeignAcceptsAsync(null, Ct);
        await firewall.RemoveForeignAcceptsAsync(null, Ct);
        var afterAll = RuleLines(await ns.RunOkAsync("nft", "list", "chain", "inet", table, "guard"));

        Assert.Equal(4, afterOne.Count);
        Assert.DoesNotContain(afterOne, l => l.Contains("vireo:lab"));
        Assert.Equal(["iifname \"eth9\" accept"], afterAll);
    }

    [Fact]
    public async Task IptablesNftForwardDrop_GetsAcceptsThroughIptables_SoIptablesCanStillReadItsChain()
    {
        await using var ns = await TestNamespace.CreateAsync();
        await ns.RunOkAsync("iptables-nft", "-w", "-P", "FORWARD", "DROP");
        await ns.RunOkAsync("iptables-nft", "-w", "-A", "FORWARD", "-i", "eth9", "-j", "ACCEPT");
        var firewall = new NftFirewall(ns.Runner, "vireotest_own");
        Assert.Contains(new ForeignForwardChain("ip", "filter", "FORWARD"), await firewall.FindForeignDropChainsAsync(Ct));

        await firewall.EnsureForeignAcceptsAsync([Default], Ct);
        await firewall.EnsureForeignAcceptsAsync([Default], Ct);
        var rules = (await ns.RunOkAsync("iptables-nft", "-w", "-S", "FORWARD")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await firewall.RemoveForeignAcceptsAsync("default", Ct);
        var after = (await ns.RunOkAsync("iptables-nft", "-w", "-S", "FORWARD")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
        [
            "-P FORWARD DROP",
            "-A FORWARD -i vireo-br0 -m comment --comment \"vireo:default\" -j ACCEPT",
            "-A FORWARD -o vireo-br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"vireo:default\" -j ACCEPT",
            "-A FORWARD -o vireo-br0 -m conntrack --ctstate DNAT -m comment --comment \"vireo:default\" -j ACCEPT",
            "-A FORWARD -i eth9 -j ACCEPT",
        ], rules);
        Assert.Equal(["-P FORWARD DROP", "-A FORWARD -i eth9 -j ACCEPT"], after);
    }

    private static List<string> RuleLines(string chainListing) =>
        chainListing.Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("table") && !l.StartsWith("chain") && !l.StartsWith("type") && l != "}")
            .ToList();
}

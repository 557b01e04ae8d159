using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>Real nft in a throwaway network namespace (nftables tables are per namespace), with a unique table name.</summary>
public sealed class NftFirewallTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static string UniqueTable() => "vireotest_" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData("empty")]
    [InlineData("one-nat")]
    [InlineData("nat-and-isolated")]
    [InlineData("forwards")]
    [InlineData("address-forwards")]
    [InlineData("public-address-forward")]
    public async Task Apply_InstallsEveryRenderedRule_WhenTheTableDidNotExist(string model)
    {
        await using var ns = await TestNamespace.CreateAsync();
        var firewall = new NftFirewall(ns.Runner, UniqueTable());

        await firewall.ApplyAsync(FirewallModels.All[model], Ct);

        var listed = await firewall.ListAsync(Ct);
        Assert.NotNull(listed);
        foreach (var rule in RuleLines(NftFirewall.Render(FirewallModels.All[model], firewall.TableName)))
            Assert.Contains(Canonical(rule), listed);
    }

    [Fact]
    public async Task Apply_Twice_LeavesExactlyOneCopyOfEachRule_AndReplacesOldRules()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var firewall = new NftFirewall(ns.Runner, UniqueTable());

        await firewall.ApplyAsync(FirewallModels.All["forwards"], Ct);
        await firewall.ApplyAsync(FirewallModels.All["one-nat"], Ct);
        await firewall.ApplyAsync(FirewallModels.All["one-nat"], Ct);

        var listed = (await firewall.ListAsync(Ct))!;
        Assert.Equal(1, Count(listed, "ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade\n"));
        Assert.DoesNotContain("dnat to", listed);
        Assert.DoesNotContain("vireo-br1", listed);
    }

    /// <summary>The real runner, with "nft" pointed at a path that does not exist: a host without nftables.</summary>
    private sealed class NoNftRunner : Vireo.Host.Os.ICommandRunner
    {
        private readonly Vireo.Host.Os.ProcessCommandRunner _real = new();

        public Task<Vireo.Host.Os.CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct) =>
            _real.RunAsync(fileName == "nft" ? "/nonexistent/sbin/nft" : fileName, arguments, timeout, ct);
    }

    [Fact]
    public async Task Remove_IsNoError_OnAHostWithoutNft_ButApplyStillFailsThere()
    {
        var firewall = new NftFirewall(new NoNftRunner(), UniqueTable());

        await firewall.RemoveAsync(Ct);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => firewall.ApplyAsync(FirewallModels.All["one-nat"], Ct));
        Assert.Contains("cannot run /nonexistent/sbin/nft", e.Message);
    }

    [Fact]
    public async Task ARefusedScript_ThrowsWithNftsMessage_AndLeavesTheTableAsItWas()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var firewall = new NftFirewall(ns.Runner, UniqueTable());
        await firewall.ApplyAsync(FirewallModels.All["one-nat"], Ct);
        var before = await firewall.ListAsync(Ct);
        // Apply's own shape (declare, delete, redefine) with one rule nft refuses at the end.
        var broken = NftFirewall.Render(FirewallModel.Empty, firewall.TableName)
            + $"add chain ip {firewall.TableName} c {{ type filter hook forward priority 0; }}\n"
            + $"add rule ip {firewall.TableName} c ip saddr 10.0.0.0/8 dnat to 10.0.0.1\n";

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => firewall.RunScriptAsync(broken, Ct));

        Assert.Contains("nft refused", e.Message);
        Assert.Contains("Error", e.Message);
        Assert.Equal(before, await firewall.ListAsync(Ct));
    }

    [Fact]
    public async Task Remove_DeletesOnlyOurTable_AndAMissingTableIsFine()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var ours = new NftFirewall(ns.Runner, UniqueTable());
        var other = new NftFirewall(ns.Runner, UniqueTable());
        await ours.ApplyAsync(FirewallModels.All["one-nat"], Ct);
        await other.ApplyAsync(FirewallModels.All["one-nat"], Ct);

        await ours.RemoveAsync(Ct);
        await ours.RemoveAsync(Ct);

        Assert.Null(await ours.ListAsync(Ct));
        Assert.NotNull(await other.ListAsync(Ct));
    }

    private static IEnumerable<string> RuleLines(string script) =>
        script.Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("table") && !l.StartsWith("delete")
                        && !l.StartsWith("chain") && !l.StartsWith("type") && l != "}");

    // nft lists the default ICMP reject (port-unreachable) as a bare "reject".
    private static string Canonical(string rule) => rule.Replace(" with icmp type port-unreachable", "");

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}

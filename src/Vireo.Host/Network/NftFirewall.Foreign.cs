using System.Text;
using System.Text.Json;

namespace Vireo.Host.Network;

// Foreign forward-drop chains. In nftables every base chain at a hook sees the packet, and a drop in any of them is
// final: our own table's accept does not help when firewalld, Docker or `iptables -P FORWARD DROP` (iptables-nft)
// has a forward chain with policy drop. So, like libvirt does with iptables, we insert a few accept rules at the top
// of such chains, each tagged with the comment "vireo:<network>" so we can find and delete exactly those. We never
// flush or rewrite another program's chain.
//
// These rules are written in nft's JSON syntax: it takes table and chain names as plain strings, whereas nft 1.0.6's
// text syntax cannot name a chain that happens to be a keyword (e.g. "fwd"), quoted or not.
public sealed partial class NftFirewall
{
    /// <summary>Comment prefix of the rules Vireo inserts into other programs' chains.</summary>
    public const string ForeignTagPrefix = "vireo:";

    // ip and inet hooks see routed IPv4 traffic; ip6 does not, bridge/netdev have no routed forward path.
    private static readonly string[] RoutedFamilies = ["ip", "inet"];

    /// <summary>
    /// Base chains at the forward hook with policy drop, in ip/inet tables other than ours: the chains whose drop would
    /// defeat our accepts.
    /// </summary>
    public async Task<IReadOnlyList<ForeignForwardChain>> FindForeignDropChainsAsync(CancellationToken ct)
    {
        using var ruleset = await ListRulesetAsync(ct).ConfigureAwait(false);
        return ToolJson.Read("nft -j list ruleset", () => DropChains(ruleset, TableName));
    }

    /// <summary>The foreign forward-drop chains in a parsed <c>nft -j list ruleset</c>.</summary>
    internal static List<ForeignForwardChain> DropChains(JsonDocument ruleset, string ownTable)
    {
        var found = new List<ForeignForwardChain>();
        foreach (var item in Items(ruleset, "chain"))
        {
            var family = Str(item, "family");
            var table = Str(item, "table");
            if (family is null || table is null || !RoutedFamilies.Contains(family)) continue;
            if (family == "ip" && table == ownTable) continue;
            if (Str(item, "hook") == "forward" && Str(item, "policy") == "drop" && Str(item, "name") is { } name)
                found.Add(new ForeignForwardChain(family, table, name));
        }
        return found;
    }

    /// <summary>
    /// Makes sure every foreign forward-drop chain starts with our accepts for each network: traffic from its bridge,
    /// replies to it, and forwarded (DNAT) connections to it. Idempotent: a chain that already has a network's rules for
    /// the same bridge is left alone; stale ones (bridge renamed, a rule missing) are replaced in the same transaction.
    /// iptables-nft's <c>ip filter FORWARD</c> gets the same accepts through iptables-nft itself, so that iptables can
    /// still list and save its chain.
    /// </summary>
    public async Task EnsureForeignAcceptsAsync(IReadOnlyList<FirewallNetwork> networks, CancellationToken ct)
    {
        var chains = await FindForeignDropChainsAsync(ct).ConfigureAwait(false);
        if (chains.Count == 0 || networks.Count == 0) return;
        var tagged = await TaggedRulesAsync(null, ct).ConfigureAwait(false);

        if (chains.Any(IsIptablesChain))
            await EnsureIptablesAcceptsAsync(networks, ct).ConfigureAwait(false);

        var commands = new List<string>();
        foreach (var chain in chains.Where(c => !IsIptablesChain(c)))
            foreach (var network in networks)
            {
                var tag = ForeignTagPrefix + network.Name;
                var existing = tagged.Where(r => r.Chain == chain && r.Comment == tag).ToList();
                var bridgeText = JsonSerializerString(network.Bridge);
                if (existing.Count == 3 && existing.All(r => r.ExprJson.Contains(bridgeText, StringComparison.Ordinal)))
                    continue;
                commands.AddRange(existing.Select(r => DeleteCommand(r.Chain, r.Handle)));
                // "insert" puts a rule at the top, so the last inserted ends up first.
                commands.Add(InsertCommand(chain, tag, $"[{Match("oifname", network.Bridge)},{CtMatch("status", "\"dnat\"")},{{\"accept\":null}}]"));
                commands.Add(InsertCommand(chain, tag, $"[{Match("oifname", network.Bridge)},{CtMatch("state", "[\"established\",\"related\"]")},{{\"accept\":null}}]"));
                commands.Add(InsertCommand(chain, tag, $"[{Match("iifname", network.Bridge)},{{\"accept\":null}}]"));
            }
        await RunJsonAsync(commands, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes (by handle) the rules we inserted into other programs' chains for <paramref name="network"/>, or for every
    /// network when it is null. Looks in every chain, not only drop chains: the other program may have changed its policy
    /// since.
    /// </summary>
    public async Task RemoveForeignAcceptsAsync(string? network, CancellationToken ct)
    {
        var tag = network is null ? null : ForeignTagPrefix + network;
        if (await HasIptablesForwardChainAsync(ct).ConfigureAwait(false))
            await RemoveIptablesAcceptsAsync(tag, ct).ConfigureAwait(false);
        var rules = await TaggedRulesAsync(tag, ct).ConfigureAwait(false);
        await RunJsonAsync(rules.Select(r => DeleteCommand(r.Chain, r.Handle)).ToList(), ct).ConfigureAwait(false);
    }

    private async Task<bool> HasIptablesForwardChainAsync(CancellationToken ct)
    {
        using var ruleset = await ListRulesetAsync(ct).ConfigureAwait(false);
        return ToolJson.Read("nft -j list ruleset", () => HasIptablesChain(ruleset));
    }

    /// <summary>Whether a parsed <c>nft -j list ruleset</c> holds a chain of iptables-nft.</summary>
    internal static bool HasIptablesChain(JsonDocument ruleset)
    {
        return Items(ruleset, "chain").Any(c => IsIptablesChain(new(Str(c, "family") ?? "", Str(c, "table") ?? "", Str(c, "name") ?? "")));
    }

    /// <summary>The networks that have Vireo's accept rules in <paramref name="chain"/> (for `vireo net doctor`).</summary>
    public async Task<IReadOnlySet<string>> NetworksAcceptedInAsync(ForeignForwardChain chain, CancellationToken ct)
    {
        var tags = IsIptablesChain(chain)
            ? (await IptablesTaggedRulesAsync(ct).ConfigureAwait(false)).Select(r => r.Tag)
            : (await TaggedRulesAsync(null, ct).ConfigureAwait(false)).Where(r => r.Chain == chain).Select(r => r.Comment);
        return tags.Select(t => t[ForeignTagPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Our tagged rules in other tables: all of them, or those with exactly <paramref name="tag"/>.</summary>
    internal async Task<IReadOnlyList<TaggedRule>> TaggedRulesAsync(string? tag, CancellationToken ct)
    {
        using var ruleset = await ListRulesetAsync(ct).ConfigureAwait(false);
        return ToolJson.Read("nft -j list ruleset", () => TaggedRules(ruleset, tag, TableName));
    }

    /// <summary>Our tagged rules in a parsed <c>nft -j list ruleset</c>: all of them, or those with exactly <paramref name="tag"/>.</summary>
    internal static List<TaggedRule> TaggedRules(JsonDocument ruleset, string? tag, string ownTable)
    {
        var rules = new List<TaggedRule>();
        foreach (var item in Items(ruleset, "rule"))
        {
            var (family, table, chain, comment) = (Str(item, "family"), Str(item, "table"), Str(item, "chain"), Str(item, "comment"));
            if (family is null || table is null || chain is null || comment is null) continue;
            if (family == "ip" && table == ownTable) continue;
            if (tag is null ? !comment.StartsWith(ForeignTagPrefix, StringComparison.Ordinal) : comment != tag) continue;
            var expr = item.TryGetProperty("expr", out var e) ? e.GetRawText() : "";
            rules.Add(new TaggedRule(new ForeignForwardChain(family, table, chain), item.GetProperty("handle").GetInt64(), comment, expr));
        }
        return rules;
    }

    internal sealed record TaggedRule(ForeignForwardChain Chain, long Handle, string Comment, string ExprJson);

    private async Task<JsonDocument> ListRulesetAsync(CancellationToken ct)
    {
        var r = await runner.RunAsync(Nft, ["-j", "list", "ruleset"], Timeout, ct).ConfigureAwait(false);
        if (!r.Succeeded) throw ToolFailure.Of(Nft, ["-j", "list", "ruleset"], r);
        return ToolJson.Parse("nft -j list ruleset", r.Stdout, empty: "{}");
    }

    private static IEnumerable<JsonElement> Items(JsonDocument ruleset, string kind)
    {
        if (ruleset.RootElement.ValueKind != JsonValueKind.Object || !ruleset.RootElement.TryGetProperty("nftables", out var all)) yield break;
        foreach (var entry in all.EnumerateArray())
            if (entry.TryGetProperty(kind, out var item)) yield return item;
    }

    private async Task RunJsonAsync(IReadOnlyList<string> commands, CancellationToken ct)
    {
        if (commands.Count == 0) return;
        var file = Path.Combine(Path.GetTempPath(), $"vireo-nft-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(file, $"{{\"nftables\":[{string.Join(",\n", commands)}]}}\n", ct).ConfigureAwait(false);
            var r = await runner.RunAsync(Nft, ["-j", "-f", file], Timeout, ct).ConfigureAwait(false);
            if (!r.Succeeded)
                throw new InvalidOperationException($"nft refused the rules for other programs' forward chains: {r.StartError ?? r.Stderr.Trim()}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string ChainRef(ForeignForwardChain c) =>
        $"\"family\":{JsonSerializerString(c.Family)},\"table\":{JsonSerializerString(c.Table)},\"chain\":{JsonSerializerString(c.Chain)}";

    private static string InsertCommand(ForeignForwardChain c, string comment, string exprJson) =>
        $"{{\"insert\":{{\"rule\":{{{ChainRef(c)},\"comment\":{JsonSerializerString(comment)},\"expr\":{exprJson}}}}}}}";

    private static string DeleteCommand(ForeignForwardChain c, long handle) =>
        $"{{\"delete\":{{\"rule\":{{{ChainRef(c)},\"handle\":{handle}}}}}}}";

    private static string Match(string metaKey, string value) =>
        $"{{\"match\":{{\"op\":\"==\",\"left\":{{\"meta\":{{\"key\":\"{metaKey}\"}}}},\"right\":{JsonSerializerString(value)}}}}}";

    private static string CtMatch(string ctKey, string rightJson) =>
        $"{{\"match\":{{\"op\":\"in\",\"left\":{{\"ct\":{{\"key\":\"{ctKey}\"}}}},\"right\":{rightJson}}}}}";

    /// <summary>A JSON string literal (escaped), without reflection.</summary>
    private static string JsonSerializerString(string value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) w.WriteStringValue(value);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

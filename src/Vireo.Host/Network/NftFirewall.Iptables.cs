namespace Vireo.Host.Network;

// iptables-nft's own chains (Docker, `iptables -P FORWARD DROP`, ufw...) live in nftables as `table ip filter`,
// chain FORWARD. A native nft rule inserted there makes iptables-nft refuse to list or save that table ("chain
// `FORWARD' in table `filter' is incompatible, use 'nft' tool"), which would break Docker and every iptables user.
// So those chains get their accepts through iptables-nft itself, in iptables' own encoding (xt comment match), and are
// found again through `iptables -S`. (nft's JSON shows an xt comment only as {"xt": {"name": "comment"}}.)
public sealed partial class NftFirewall
{
    private const string Iptables = "iptables-nft";

    private static bool IsIptablesChain(ForeignForwardChain c) => c.Family == "ip" && c.Table == "filter" && c.Chain == "FORWARD";

    private static IReadOnlyList<string[]> IptablesAccepts(FirewallNetwork n, string tag) =>
    [
        // In the order they end up in the chain (each is inserted at position 1, so they are inserted in reverse).
        ["-i", n.Bridge, "-m", "comment", "--comment", tag, "-j", "ACCEPT"],
        ["-o", n.Bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment", "--comment", tag, "-j", "ACCEPT"],
        ["-o", n.Bridge, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", tag, "-j", "ACCEPT"],
    ];

    private async Task EnsureIptablesAcceptsAsync(IReadOnlyList<FirewallNetwork> networks, CancellationToken ct)
    {
        var existing = await IptablesTaggedRulesAsync(ct).ConfigureAwait(false);
        foreach (var network in networks)
        {
            var tag = ForeignTagPrefix + network.Name;
            var ours = existing.Where(r => r.Tag == tag).ToList();
            if (ours.Count == 3 && ours.All(r => r.Spec.Contains(network.Bridge))) continue;
            foreach (var rule in ours)
                await IptablesAsync(["-w", "-D", "FORWARD", .. rule.Spec], ct).ConfigureAwait(false);
            foreach (var spec in IptablesAccepts(network, tag).Reverse())
                await IptablesAsync(["-w", "-I", "FORWARD", "1", .. spec], ct).ConfigureAwait(false);
        }
    }

    private async Task RemoveIptablesAcceptsAsync(string? tag, CancellationToken ct)
    {
        foreach (var rule in await IptablesTaggedRulesAsync(ct).ConfigureAwait(false))
            if (tag is null || rule.Tag == tag)
                await IptablesAsync(["-w", "-D", "FORWARD", .. rule.Spec], ct).ConfigureAwait(false);
    }

    /// <summary>Our tagged rules in iptables' FORWARD chain, each as the argv that `-D FORWARD` takes to delete it.</summary>
    private async Task<IReadOnlyList<(string Tag, string[] Spec)>> IptablesTaggedRulesAsync(CancellationToken ct)
    {
        var rules = new List<(string, string[])>();
        foreach (var line in (await IptablesAsync(["-w", "-S", "FORWARD"], ct).ConfigureAwait(false)).Split('\n'))
        {
            var words = SplitIptablesLine(line);
            if (words.Count < 3 || words[0] != "-A" || words[1] != "FORWARD") continue;
            var at = words.IndexOf("--comment");
            if (at < 0 || at + 1 >= words.Count || !words[at + 1].StartsWith(ForeignTagPrefix, StringComparison.Ordinal)) continue;
            rules.Add((words[at + 1], words.Skip(2).ToArray()));
        }
        return rules;
    }

    // `iptables -S` quotes an argument that has spaces ("...") and escapes a quote inside it with a backslash.
    private static List<string> SplitIptablesLine(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && quoted && i + 1 < line.Length) { current.Append(line[++i]); continue; }
            if (c == '"') { quoted = !quoted; any = true; continue; }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any || current.Length > 0) words.Add(current.ToString());
                current.Clear();
                any = false;
                continue;
            }
            current.Append(c);
        }
        if (any || current.Length > 0) words.Add(current.ToString());
        return words;
    }

    private async Task<string> IptablesAsync(string[] args, CancellationToken ct)
    {
        var r = await runner.RunAsync(Iptables, args, Timeout, ct).ConfigureAwait(false);
        if (!r.Succeeded) throw ToolFailure.Of(Iptables, args, r);
        return r.Stdout;
    }
}

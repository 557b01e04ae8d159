using Vireo.Host.Os;

namespace Vireo.Host.Network;

/// <summary>
/// Vireo's nftables table (<c>table ip vireo</c>): masquerade for nat networks, isolation for isolated ones, DNAT for
/// port forwards. The table belongs to Vireo alone and is always replaced as a whole, in one atomic transaction; other
/// programs' tables are never rewritten (only tagged accept rules are inserted into their forward-drop chains, see
/// <see cref="EnsureForeignAcceptsAsync"/>).
/// </summary>
public sealed partial class NftFirewall(ICommandRunner runner, string tableName = "vireo")
{
    private const string Nft = "nft";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The table this instance owns (family ip).</summary>
    public string TableName { get; } = tableName;

    /// <summary>
    /// The complete nft script that replaces <c>table ip <paramref name="tableName"/></c> with what
    /// <paramref name="model"/> says, in one transaction (it works whether or not the table exists).
    /// </summary>
    /// <exception cref="ArgumentException">A name or address that cannot be used safely in an nft rule.</exception>
    public static string Render(FirewallModel model, string tableName = "vireo") => NftScript.Render(model, tableName);

    /// <summary>
    /// Replaces the table with <paramref name="model"/> (<c>nft -f</c>). When nft refuses the script, throws
    /// <see cref="InvalidOperationException"/> with nft's message; the transaction is atomic, so the old table is
    /// then unchanged.
    /// </summary>
    /// <remarks>
    /// Then sets <c>route_localnet</c> on every bridge of the model: 1 where a forward answers on 127.0.0.1
    /// (<see cref="FirewallModel.LocalnetBridges"/>), 0 elsewhere. The kernel routes packets from or to 127.0.0.0/8
    /// through an interface only with it on; the forward's loopback connections need both directions. The setting
    /// belongs to the bridge, which is Vireo's own, and vanishes with it when the network stops. A bridge missing just
    /// now is skipped: the network's next start recreates it and applies the firewall again.
    /// </remarks>
    public async Task ApplyAsync(FirewallModel model, CancellationToken ct)
    {
        // The rules first: the table's localnet_guard (no packet for 127.0.0.0/8 enters through a Vireo bridge) is
        // always in place before route_localnet is turned on, so there is never a moment without it.
        await RunScriptAsync(Render(model, TableName), ct).ConfigureAwait(false);
        await SetRouteLocalnetAsync(model, ct).ConfigureAwait(false);
    }

    /// <summary>The <c>sysctl</c> assignments <see cref="ApplyAsync"/> makes for <paramref name="model"/>, in bridge order.</summary>
    public static IReadOnlyList<string> RouteLocalnetSettings(FirewallModel model)
    {
        var on = model.LocalnetBridges().ToHashSet(StringComparer.Ordinal);
        // The slash form: a bridge name may contain dots, which sysctl would read as separators.
        return model.Networks.Select(n => n.Bridge).Distinct().Order(StringComparer.Ordinal)
            .Select(b => $"net/ipv4/conf/{NftScript.CheckedInterface(b)}/route_localnet={(on.Contains(b) ? 1 : 0)}").ToList();
    }

    private async Task SetRouteLocalnetAsync(FirewallModel model, CancellationToken ct)
    {
        var settings = RouteLocalnetSettings(model);
        if (settings.Count == 0) return;
        // -e: a key of a bridge that does not exist (yet) is not an error; anything else (no permission) is.
        string[] args = ["-q", "-e", "-w", .. settings];
        var r = await runner.RunAsync("sysctl", args, Timeout, ct).ConfigureAwait(false);
        if (!r.Succeeded) throw ToolFailure.Of("sysctl", args, r);
    }

    /// <summary>Deletes the table (only ours). A missing table is fine.</summary>
    public Task RemoveAsync(CancellationToken ct) =>
        // Declare-then-delete in one transaction: no error when it is not there. A host without nft has no table
        // either (vireod runs there with --no-default-network and user-mode NICs), so that is no error as well.
        RunScriptAsync($"table ip {TableName} {{}}\ndelete table ip {TableName}\n", ct, nftMissingIsFine: true);

    /// <summary>The table as <c>nft list table</c> prints it, or null when it does not exist.</summary>
    public async Task<string?> ListAsync(CancellationToken ct)
    {
        var r = await runner.RunAsync(Nft, ["list", "table", "ip", TableName], Timeout, ct).ConfigureAwait(false);
        if (r.Succeeded) return r.Stdout;
        if (r.StartError is null && r.Stderr.Contains("No such file or directory", StringComparison.Ordinal)) return null;
        throw ToolFailure.Of(Nft, ["list", "table", "ip", TableName], r);
    }

    /// <summary>Runs an nft script as one transaction; internal so tests can prove the atomicity Apply relies on.</summary>
    internal async Task RunScriptAsync(string script, CancellationToken ct, bool nftMissingIsFine = false)
    {
        // nft reads the script from a file: the runner gives commands no stdin, and a file keeps the argv short.
        var file = Path.Combine(Path.GetTempPath(), $"vireo-nft-{Guid.NewGuid():N}.nft");
        try
        {
            await File.WriteAllTextAsync(file, script, ct).ConfigureAwait(false);
            var r = await runner.RunAsync(Nft, ["-f", file], Timeout, ct).ConfigureAwait(false);
            if (!r.Succeeded && !(nftMissingIsFine && r.NotFound))
            {
                var message = r.StartError ?? r.Stderr.Replace(file, "<script>", StringComparison.Ordinal).Trim();
                throw new InvalidOperationException($"nft refused the ruleset for table {TableName}: {message}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}

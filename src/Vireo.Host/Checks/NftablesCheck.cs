using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>nft present and the kernel's nf_tables answering (NAT, port forwards and VM firewalls use it).</summary>
internal sealed class NftablesCheck : HostCheck
{
    public override string Id => HostCheckIds.NetNftables;
    public override string Title => "nftables";

    public override async Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct)
    {
        var probe = await ToolProbe.ProbeAsync(env, "nft", null, null, [], ct).ConfigureAwait(false);
        if (probe.NotFound is { } notFound)
            return Warn($"{notFound}: NAT networks and port forwards cannot be set up", "apt-get install nftables");
        var version = probe.Version is { } v ? $"nftables {v.Text}" : probe.Path!;
        if (!env.IsRoot)
            return Warn($"{version} at {probe.Path}; kernel support not verified (listing rulesets needs root)",
                "run the check as root (sudo vireo host check)");

        var list = await env.Commands.RunAsync(probe.Path!, ["list", "tables"], env.CommandTimeout, ct).ConfigureAwait(false);
        if (!list.Succeeded)
            return Fail($"'nft list tables' failed: {list.FailureSummary}",
                "load nf_tables (modprobe nf_tables; the kernel needs CONFIG_NF_TABLES); in a container, grant CAP_NET_ADMIN");
        var tables = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("table ", StringComparison.Ordinal));
        return Pass($"{version} at {probe.Path}; kernel nf_tables answers ({tables} {(tables == 1 ? "table" : "tables")})");
    }
}

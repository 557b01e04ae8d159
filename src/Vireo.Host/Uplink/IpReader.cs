using System.Text.Json;
using Vireo.Host.Os;

namespace Vireo.Host.Uplink;

/// <summary>Reads interfaces, addresses and routes with <c>ip -j</c> through a command runner.</summary>
internal sealed class IpReader(ICommandRunner runner)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The link's JSON object (with details), or null when no such interface exists.</summary>
    public async Task<JsonElement?> LinkAsync(string name, CancellationToken ct)
    {
        var r = await runner.RunAsync("ip", ["-j", "-d", "link", "show", "dev", name], CommandTimeout, ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            if (r.StartError is null && r.Stderr.Contains("does not exist", StringComparison.Ordinal)) return null;
            throw new IOException($"ip link show dev {name} failed: {r.FailureSummary}");
        }
        return ParseLink(r.Stdout);
    }

    /// <summary>The first link of <c>ip -j link show</c>'s output, or null when it lists none.</summary>
    internal static JsonElement? ParseLink(string json) => Network.ToolJson.Read("ip -j link", () =>
    {
        using var doc = Network.ToolJson.Parse("ip -j link", json);
        return doc.RootElement.GetArrayLength() == 0 ? (JsonElement?)null : doc.RootElement[0].Clone();
    });

    /// <summary>Everything a rollback must restore, or null when the interface does not exist.</summary>
    public async Task<NicSnapshot?> SnapshotAsync(string name, CancellationToken ct)
    {
        if (await LinkAsync(name, ct).ConfigureAwait(false) is not { } link) return null;
        var addresses = await AddressesAsync(name, ct).ConfigureAwait(false);
        var routes = new List<NicRoute>();
        routes.AddRange(await RoutesAsync(name, "inet", ct).ConfigureAwait(false));
        routes.AddRange(await RoutesAsync(name, "inet6", ct).ConfigureAwait(false));
        return ToSnapshot(link, name, addresses, routes);
    }

    /// <summary>The snapshot of a link from its <c>ip -j -d link</c> object and its addresses and routes.</summary>
    internal static NicSnapshot ToSnapshot(JsonElement link, string name, List<NicAddress> addresses, List<NicRoute> routes) =>
        Network.ToolJson.Read("ip -j link", () => ToSnapshotCore(link, name, addresses, routes));

    private static NicSnapshot ToSnapshotCore(JsonElement link, string name, List<NicAddress> addresses, List<NicRoute> routes)
    {
        if (link.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"a link is a JSON {link.ValueKind}, not an object");
        var info = link.TryGetProperty("linkinfo", out var li) ? li : default;
        return new NicSnapshot(
            Name: Str(link, "ifname") ?? name,
            Mac: Str(link, "address") ?? "",
            Mtu: link.TryGetProperty("mtu", out var mtu) ? mtu.GetInt32() : 0,
            Up: HasFlag(link, "UP"),
            Master: Str(link, "master"),
            Kind: info.ValueKind == JsonValueKind.Object ? Str(info, "info_kind") : null,
            LinkType: Str(link, "link_type") ?? "",
            Addresses: addresses,
            Routes: routes);
    }

    private async Task<List<NicAddress>> AddressesAsync(string name, CancellationToken ct)
    {
        return ParseAddresses(await Run(["-j", "addr", "show", "dev", name], ct).ConfigureAwait(false));
    }

    /// <summary>The IPv4 and IPv6 addresses in <c>ip -j addr show</c>'s output.</summary>
    internal static List<NicAddress> ParseAddresses(string json) => Network.ToolJson.Read("ip -j addr", () => ParseAddressesCore(json));

    private static List<NicAddress> ParseAddressesCore(string json)
    {
        using var doc = Network.ToolJson.Parse("ip -j addr", json);
        var list = new List<NicAddress>();
        foreach (var link in doc.RootElement.EnumerateArray())
        {
            if (!link.TryGetProperty("addr_info", out var infos)) continue;
            foreach (var a in infos.EnumerateArray())
            {
                var family = Str(a, "family");
                if (family is not ("inet" or "inet6")) continue;
                var local = Str(a, "local")!;
                var peer = Str(a, "address");
                list.Add(new NicAddress(
                    family, local, a.GetProperty("prefixlen").GetInt32(),
                    Peer: peer is not null && peer != local ? peer : null,
                    Broadcast: Str(a, "broadcast"),
                    Scope: Str(a, "scope") ?? "global",
                    Label: Str(a, "label"),
                    Dynamic: Bool(a, "dynamic"),
                    NoPrefixRoute: Bool(a, "noprefixroute"),
                    Metric: a.TryGetProperty("metric", out var m) ? m.GetInt32() : null,
                    ValidLifetime: Lifetime(a, "valid_life_time"),
                    PreferredLifetime: Lifetime(a, "preferred_life_time")));
            }
        }
        return list;
    }

    private async Task<List<NicRoute>> RoutesAsync(string name, string family, CancellationToken ct)
    {
        var r = await Run([family == "inet" ? "-4" : "-6", "-j", "route", "show", "table", "all", "dev", name], ct)
            .ConfigureAwait(false);
        return ParseRoutes(r, family);
    }

    /// <summary>The routes in <c>ip -j route show</c>'s output, of <paramref name="family"/> ("inet" or "inet6").</summary>
    internal static List<NicRoute> ParseRoutes(string json, string family) => Network.ToolJson.Read("ip -j route", () => ParseRoutesCore(json, family));

    private static List<NicRoute> ParseRoutesCore(string r, string family)
    {
        using var doc = Network.ToolJson.Parse("ip -j route", r);
        var list = new List<NicRoute>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var type = Str(e, "type") ?? "unicast";
            var dst = Str(e, "dst") ?? "default";
            var flags = e.TryGetProperty("flags", out var f) ? f.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            list.Add(new NicRoute(
                family, type, dst,
                Gateway: Str(e, "gateway"),
                Table: Str(e, "table") ?? "main",
                // iproute2 leaves out "protocol" for RTPROT_BOOT, the protocol of routes added with plain `ip route add`.
                Protocol: Str(e, "protocol") ?? "boot",
                // ...and "scope" for RT_SCOPE_UNIVERSE.
                Scope: Str(e, "scope") ?? "global",
                Metric: e.TryGetProperty("metric", out var m) && m.GetInt32() != 0 ? m.GetInt32() : null,
                PreferredSource: Str(e, "prefsrc"),
                OnLink: flags.Contains("onlink"),
                Expires: e.TryGetProperty("expires", out _),
                Multipath: e.TryGetProperty("nexthops", out _) || e.TryGetProperty("nhid", out _))
            {
                Tos = Str(e, "tos") is { } tos && tos != "0" ? tos : null,
                Metrics = RouteMetrics(e, out var unsupported),
                Unsupported = unsupported,
            });
        }
        return list;
    }

    // "metrics":[{"mtu":1400,"advmss":1360}]: plain numbers are `ip route` options of the same name; a locked
    // metric (["lock", n]) or a feature list is something Vireo does not reproduce.
    private static string RouteMetrics(JsonElement route, out string? unsupported)
    {
        unsupported = null;
        if (!route.TryGetProperty("metrics", out var list) || list.ValueKind != JsonValueKind.Array) return "";
        var parts = new List<string>();
        foreach (var m in list.EnumerateArray())
            foreach (var p in m.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Number) parts.Add($"{p.Name} {p.Value.GetRawText()}");
                else unsupported = $"{p.Name} {p.Value.GetRawText()}";
            }
        return string.Join(' ', parts);
    }

    private async Task<string> Run(string[] args, CancellationToken ct)
    {
        var r = await runner.RunAsync("ip", args, CommandTimeout, ct).ConfigureAwait(false);
        if (!r.Succeeded) throw new IOException($"ip {string.Join(' ', args)} failed: {r.FailureSummary}");
        return r.Stdout.Trim();
    }

    internal static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    internal static bool HasFlag(JsonElement link, string flag) =>
        link.TryGetProperty("flags", out var f) && f.EnumerateArray().Any(x => x.GetString() == flag);

    // 4294967295 (INFINITY_LIFE_TIME) means forever.
    private static long? Lifetime(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt64(out var s) && s != uint.MaxValue ? s : null;
}

using System.Text.Json;

namespace Vireo.Host.Network;

/// <summary>
/// Reads iproute2's <c>-json</c> output (JsonDocument: no reflection, so it stays AOT-clean). Output of any other
/// shape is an <see cref="InvalidDataException"/> (<see cref="ToolJson"/>).
/// </summary>
internal static class IpJson
{
    public static IReadOnlyList<LinkInfo> ParseLinks(string json) => ToolJson.Read("ip -json link", () => ParseLinksCore(json));

    private static IReadOnlyList<LinkInfo> ParseLinksCore(string json)
    {
        var list = new List<LinkInfo>();
        using var doc = Parse(json);
        foreach (var l in doc.RootElement.EnumerateArray())
        {
            var flags = l.TryGetProperty("flags", out var f) ? f.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            var addresses = new List<string>();
            if (l.TryGetProperty("addr_info", out var ai))
                foreach (var a in ai.EnumerateArray())
                    if (Str(a, "family") == "inet" && Str(a, "local") is { } local && a.TryGetProperty("prefixlen", out var p))
                        addresses.Add($"{local}/{p.GetInt32()}");
            string? kind = null, tunType = null;
            bool? multiQueue = null;
            if (l.TryGetProperty("linkinfo", out var li))
            {
                kind = Str(li, "info_kind");
                if (li.TryGetProperty("info_data", out var data) && kind == "tun")
                {
                    tunType = Str(data, "type");
                    multiQueue = data.TryGetProperty("multi_queue", out var mq) && mq.ValueKind == JsonValueKind.True;
                }
            }
            var mac = Str(l, "address");
            list.Add(new LinkInfo(Str(l, "ifname") ?? "", kind, Str(l, "master"), flags.Contains("UP"),
                Str(l, "link_type") == "ether" ? mac : null, addresses) { MultiQueue = multiQueue, TunType = tunType });
        }
        return list;
    }

    public static IReadOnlyList<RouteInfo> ParseRoutes(string json) => ToolJson.Read("ip -json route", () => ParseRoutesCore(json));

    private static IReadOnlyList<RouteInfo> ParseRoutesCore(string json)
    {
        var list = new List<RouteInfo>();
        using var doc = Parse(json);
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            var dst = Str(r, "dst") ?? "default";
            // iproute2 prints host routes without a prefix; make every destination a CIDR.
            if (dst != "default" && !dst.Contains('/')) dst += "/32";
            list.Add(new RouteInfo(dst, Str(r, "dev"), Str(r, "gateway")));
        }
        return list;
    }

    public static IReadOnlyList<NeighbourInfo> ParseNeighbours(string json) => ToolJson.Read("ip -json neigh", () => ParseNeighboursCore(json));

    private static IReadOnlyList<NeighbourInfo> ParseNeighboursCore(string json)
    {
        var list = new List<NeighbourInfo>();
        using var doc = Parse(json);
        foreach (var n in doc.RootElement.EnumerateArray())
        {
            var state = n.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.Array
                ? string.Join(',', s.EnumerateArray().Select(x => x.GetString()))
                : "";
            list.Add(new NeighbourInfo(Str(n, "dst") ?? "", Str(n, "lladdr"), Str(n, "dev") ?? "", state));
        }
        return list;
    }

    // `ip -json` prints nothing at all (not "[]") for some empty answers.
    private static JsonDocument Parse(string json) => ToolJson.Parse("ip -json", json);

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>The models the golden files and the real-nft tests share.</summary>
internal static class FirewallModels
{
    public static readonly FirewallNetwork Default = new("default", "vireo-br0", "192.168.122.0/24", Masquerade: true);
    public static readonly FirewallNetwork Lab = new("lab", "vireo-br1", "10.88.0.0/16", Masquerade: false);

    public static readonly IReadOnlyDictionary<string, FirewallModel> All = new Dictionary<string, FirewallModel>
    {
        ["empty"] = FirewallModel.Empty,
        ["one-nat"] = new([Default], []),
        ["nat-and-isolated"] = new([Default, Lab], []),
        ["forwards"] = new([Default, Lab],
        [
            new("default", "tcp", null, 8080, "192.168.122.10", 80, "vireo-br0", "192.168.122.0/24"),
            new("default", "udp", null, 5353, "192.168.122.10", 53, "vireo-br0", "192.168.122.0/24"),
            new("default", "tcp", "203.0.113.5", 2222, "192.168.122.11", 22, "vireo-br0", "192.168.122.0/24"),
        ]),
        // Forwards bound to addresses: one on the host's loopback only (no way in from outside, so no prerouting rule),
        // one on a public address.
        ["address-forwards"] = new([Default, Lab],
        [
            new("default", "tcp", "127.0.0.1", 8081, "192.168.122.10", 80, "vireo-br0", "192.168.122.0/24"),
            new("default", "tcp", "203.0.113.5", 2222, "192.168.122.11", 22, "vireo-br0", "192.168.122.0/24"),
        ]),
        // Only a forward on a public address: the host reaches it from that address, never from 127.0.0.1, so
        // route_localnet stays off and there is no loopback masquerade.
        ["public-address-forward"] = new([Default, Lab],
        [
            new("default", "tcp", "203.0.113.5", 2222, "192.168.122.11", 22, "vireo-br0", "192.168.122.0/24"),
        ]),
    };
}

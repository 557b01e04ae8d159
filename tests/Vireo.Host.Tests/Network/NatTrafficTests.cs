using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// Real packets through the firewall: a "guest" namespace on the router's bridge, a "wan" namespace behind the router's
/// uplink that has no route back to the guest subnet, so a reply only comes back when the router masquerades.
/// </summary>
public sealed class NatTrafficTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private TestNamespace _router = null!, _guest = null!, _wan = null!;

    public async Task InitializeAsync()
    {
        _router = await TestNamespace.CreateAsync();
        _guest = await TestNamespace.CreateAsync();
        _wan = await TestNamespace.CreateAsync();
        await new NetLinks(_router.Runner).EnsureBridgeAsync("vbr-nat", "192.168.160.1/24", Ct);
        await _router.RunOkAsync("ip", "link", "add", "vh-guest", "type", "veth", "peer", "name", "eth0", "netns", _guest.Name);
        await _router.RunOkAsync("ip", "link", "set", "vh-guest", "master", "vbr-nat", "up");
        await _router.RunOkAsync("ip", "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", _wan.Name);
        await _router.RunOkAsync("ip", "addr", "add", "198.51.100.2/24", "dev", "uplink");
        await _router.RunOkAsync("ip", "link", "set", "uplink", "up");
        await _router.RunOkAsync("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        await _guest.RunOkAsync("ip", "addr", "add", "192.168.160.10/24", "dev", "eth0");
        await _guest.RunOkAsync("ip", "link", "set", "eth0", "up");
        await _guest.RunOkAsync("ip", "route", "add", "default", "via", "192.168.160.1");
        await _wan.RunOkAsync("ip", "addr", "add", "198.51.100.1/24", "dev", "eth0");
        await _wan.RunOkAsync("ip", "link", "set", "eth0", "up");
    }

    public async Task DisposeAsync()
    {
        await _wan.DisposeAsync();
        await _guest.DisposeAsync();
        await _router.DisposeAsync();
    }

    private async Task<bool> GuestReachesWanAsync()
    {
        var r = await _guest.Runner.RunAsync("busybox", ["ping", "-c", "1", "-W", "2", "198.51.100.1"], TimeSpan.FromSeconds(10), Ct);
        return r.Succeeded;
    }

    [Fact]
    public async Task NatNetwork_ReachesTheWorldOnlyThroughMasquerade_AndIsolatedNetworkDoesNot()
    {
        var firewall = new NftFirewall(_router.Runner, "vireotest_nat");
        var network = new FirewallNetwork("natnet", "vbr-nat", "192.168.160.0/24", Masquerade: true);

        var withoutTable = await GuestReachesWanAsync();
        await firewall.ApplyAsync(new([network], []), Ct);
        var nat = await GuestReachesWanAsync();
        await firewall.ApplyAsync(new([network with { Masquerade = false }], []), Ct);
        var isolated = await GuestReachesWanAsync();

        Assert.False(withoutTable, "the wan has no route back, so without masquerade there is no reply");
        Assert.True(nat, "masqueraded ping gets its reply");
        Assert.False(isolated, "an isolated network does not get out");
    }

    [Fact]
    public async Task ForeignForwardDrop_BlocksTheNatNetwork_UntilOurAcceptsAreInserted_AndAgainAfterTheyAreRemoved()
    {
        var firewall = new NftFirewall(_router.Runner, "vireotest_nat");
        var network = new FirewallNetwork("natnet", "vbr-nat", "192.168.160.0/24", Masquerade: true);
        await firewall.ApplyAsync(new([network], []), Ct);
        await _router.RunOkAsync("iptables-nft", "-w", "-P", "FORWARD", "DROP");

        var blocked = await GuestReachesWanAsync();
        await firewall.EnsureForeignAcceptsAsync([network], Ct);
        var allowed = await GuestReachesWanAsync();
        await firewall.RemoveForeignAcceptsAsync("natnet", Ct);
        var blockedAgain = await GuestReachesWanAsync();

        Assert.False(blocked);
        Assert.True(allowed);
        Assert.False(blockedAgain);
    }
}

using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>Real iproute2 in a throwaway network namespace.</summary>
public sealed class NetLinksTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task EnsureBridge_CreatesUpBridgeWithExactlyTheAddress_AndIsIdempotent()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);

        await links.EnsureBridgeAsync("vbr-test", "192.168.150.1/24", Ct);
        await links.EnsureBridgeAsync("vbr-test", "192.168.150.1/24", Ct);

        var bridge = await links.GetLinkAsync("vbr-test", Ct);
        Assert.NotNull(bridge);
        Assert.Equal("bridge", bridge.Kind);
        Assert.True(bridge.Up);
        Assert.Equal(["192.168.150.1/24"], bridge.Addresses);
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", bridge.Mac);
        var details = await ns.RunOkAsync("ip", "-details", "link", "show", "dev", "vbr-test");
        Assert.Contains("stp_state 0", details);
        Assert.Contains("forward_delay 0", details);
    }

    [Fact]
    public async Task EnsureBridge_ReplacesAnAddressThatChanged()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-test", "192.168.150.1/24", Ct);
        await ns.RunOkAsync("ip", "addr", "add", "10.77.0.1/16", "dev", "vbr-test");

        await links.EnsureBridgeAsync("vbr-test", "192.168.151.1/25", Ct);

        Assert.Equal(["192.168.151.1/25"], (await links.GetLinkAsync("vbr-test", Ct))!.Addresses);
    }

    [Fact]
    public async Task EnsureBridge_RefusesANameThatIsNotABridge()
    {
        await using var ns = await TestNamespace.CreateAsync();
        await ns.RunOkAsync("ip", "link", "add", "vdummy0", "type", "veth", "peer", "name", "vdummy1");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new NetLinks(ns.Runner).EnsureBridgeAsync("vdummy0", null, Ct));
        Assert.Contains("not a bridge", e.Message);
    }

    [Fact]
    public async Task DeleteLink_RemovesTheLink_AndAMissingLinkIsNotAnError()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-test", null, Ct);

        await links.DeleteLinkAsync("vbr-test", Ct);
        await links.DeleteLinkAsync("vbr-test", Ct);

        Assert.Null(await links.GetLinkAsync("vbr-test", Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateTap_MakesAPersistentTapInTheBridge_AndReRunsOnlyReattach(bool multiQueue)
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-a", "192.168.150.1/24", Ct);
        await links.EnsureBridgeAsync("vbr-b", null, Ct);

        await links.CreateTapAsync("vtap-1", "vbr-a", multiQueue, Ct);
        await links.CreateTapAsync("vtap-1", "vbr-b", multiQueue, Ct);

        var tap = await links.GetLinkAsync("vtap-1", Ct);
        Assert.NotNull(tap);
        Assert.Equal("tun", tap.Kind);
        Assert.Equal("tap", tap.TunType);
        Assert.Equal(multiQueue, tap.MultiQueue);
        Assert.Equal("vbr-b", tap.Master);
        Assert.True(tap.Up);
        Assert.Equal(["vtap-1"], await links.BridgePortsAsync("vbr-b", Ct));
        Assert.Empty(await links.BridgePortsAsync("vbr-a", Ct));
        Assert.Contains("persist on", await ns.RunOkAsync("ip", "-details", "link", "show", "dev", "vtap-1"));
    }

    [Fact]
    public async Task CreateTap_RecreatesATapWhoseQueueModeDiffers()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-a", null, Ct);
        await links.CreateTapAsync("vtap-1", "vbr-a", multiQueue: false, Ct);

        await links.CreateTapAsync("vtap-1", "vbr-a", multiQueue: true, Ct);

        var tap = await links.GetLinkAsync("vtap-1", Ct);
        Assert.True(tap!.MultiQueue);
        Assert.Equal("vbr-a", tap.Master);
    }

    [Fact]
    public async Task ListRoutes_ShowsConnectedAndDefaultRoutes()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-test", "198.51.100.1/24", Ct);
        await ns.RunOkAsync("ip", "route", "add", "default", "via", "198.51.100.254", "dev", "vbr-test", "onlink");
        await ns.RunOkAsync("ip", "route", "add", "203.0.113.7", "dev", "vbr-test");

        var routes = await links.ListRoutesAsync(Ct);

        Assert.Contains(new RouteInfo("default", "vbr-test", "198.51.100.254"), routes);
        Assert.Contains(new RouteInfo("198.51.100.0/24", "vbr-test", null), routes);
        Assert.Contains(new RouteInfo("203.0.113.7/32", "vbr-test", null), routes);
    }

    [Fact]
    public async Task ListNeighbours_ShowsAPermanentEntry()
    {
        await using var ns = await TestNamespace.CreateAsync();
        var links = new NetLinks(ns.Runner);
        await links.EnsureBridgeAsync("vbr-test", "198.51.100.1/24", Ct);
        await ns.RunOkAsync("ip", "neigh", "add", "198.51.100.9", "lladdr", "52:54:00:12:34:56", "dev", "vbr-test", "nud", "permanent");

        var neighbours = await links.ListNeighboursAsync(Ct);

        Assert.Contains(new NeighbourInfo("198.51.100.9", "52:54:00:12:34:56", "vbr-test", "PERMANENT"), neighbours);
    }

    [Fact]
    public async Task GetLink_ReturnsNullForAMissingLink()
    {
        await using var ns = await TestNamespace.CreateAsync();
        Assert.Null(await new NetLinks(ns.Runner).GetLinkAsync("vnothere0", Ct));
    }
}

using Vireo.Host.Uplink;

namespace Vireo.Host.Tests.Uplink;

/// <summary>Refusals on real kernel networking: each names the option at fault and leaves the host untouched.</summary>
public sealed class UplinkRefusalTests : IAsyncLifetime
{
    private readonly NetnsLan _lan = new();
    private List<string> _linksBefore = [];
    private NicSnapshot _nicBefore = null!;

    public async Task InitializeAsync()
    {
        await _lan.InitializeAsync();
        try
        {
            // port0 (one end of a second veth pair) is already a port of bridge brold.
            await _lan.HostIp("link", "add", "brold", "type", "bridge");
            await _lan.HostIp("link", "add", "port0", "type", "veth", "peer", "name", "port1");
            await _lan.HostIp("link", "set", "port0", "master", "brold", "up");
            _linksBefore = await _lan.HostLinksAsync();
            _nicBefore = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        }
        catch
        {
            await _lan.DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync() => _lan.DisposeAsync();

    private async Task<UplinkRefusedException> Refused(UplinkRequest request)
    {
        var e = await Assert.ThrowsAsync<UplinkRefusedException>(
            () => new UplinkPlanner(_lan.HostRunner).PlanAsync(request, CancellationToken.None));
        Assert.Equal(_linksBefore, await _lan.HostLinksAsync());
        Assert.Empty(_nicBefore.DifferencesTo((await _lan.SnapshotAsync(NetnsLan.Nic))!));
        return e;
    }

    [Fact]
    public async Task Refuses_AMissingNic()
    {
        var e = await Refused(NetnsLan.Request(nic: "ens99"));
        Assert.Equal(("from", "ens99"), (e.Field, e.Value));
        Assert.Contains("not an interface on this host", e.Message);
        Assert.Contains("ip -br link", e.Hint);
    }

    [Fact]
    public async Task Refuses_ABridgeNameThatAlreadyExists()
    {
        var e = await Refused(NetnsLan.Request(bridge: "brold"));
        Assert.Equal(("bridge", "brold"), (e.Field, e.Value));
        Assert.Contains("existing interface", e.Message);
    }

    [Fact]
    public async Task Refuses_ANicThatIsAlreadyAPortOfABridge()
    {
        var e = await Refused(NetnsLan.Request(nic: "port0", check: "198.51.100.1"));
        Assert.Equal(("from", "port0"), (e.Field, e.Value));
        Assert.Contains("already a port of brold", e.Message);
    }

    [Fact]
    public async Task Refuses_ABridgeAsTheNic()
    {
        var e = await Refused(NetnsLan.Request(nic: "brold", check: "198.51.100.1"));
        Assert.Equal("from", e.Field);
        Assert.Contains("already a bridge", e.Message);
    }

    [Fact]
    public async Task Refuses_Loopback()
    {
        var e = await Refused(NetnsLan.Request(nic: "lo"));
        Assert.Equal(("from", "lo"), (e.Field, e.Value));
        Assert.Contains("loopback", e.Message);
    }

    [Fact]
    public async Task Refuses_ANicThatIsDown()
    {
        await _lan.HostIp("link", "set", NetnsLan.Nic, "down");
        _nicBefore = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var e = await Refused(NetnsLan.Request(check: "198.51.100.1"));
        Assert.Equal("from", e.Field);
        Assert.Contains("is down", e.Message);
    }

    [Theory]
    [InlineData("bridge", "br/0", "not a valid interface name")]
    [InlineData("bridge", "br 0", "not a valid interface name")]
    [InlineData("bridge", "a-very-long-bridge", "15 characters")]
    [InlineData("bridge", "", "required")]
    [InlineData("bridge", "ens33", "is the NIC itself")]
    [InlineData("from", "ens;33", "not a valid interface name")]
    public async Task Refuses_InvalidNames(string field, string value, string expected)
    {
        var request = field == "bridge" ? NetnsLan.Request(bridge: value) : NetnsLan.Request(nic: value);
        var e = await Refused(request);
        Assert.Equal((field, value), (e.Field, e.Value));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("not-an-ip", "not an IP address")]
    [InlineData("198.51.100.0/24", "not an IP address")]
    [InlineData("198.51.100.10", "own address")]
    [InlineData("127.0.0.1", "proves nothing")]
    [InlineData("255.255.255.255", "proves nothing")]
    public async Task Refuses_ACheckAddressThatCannotProveTheBridge(string check, string expected)
    {
        var e = await Refused(NetnsLan.Request(check: check));
        Assert.Equal(("check", check), (e.Field, e.Value));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Refuses_WithoutACheckAddress_WhenTheNicHasNoDefaultRoute()
    {
        await _lan.HostIp("route", "del", "default", "dev", NetnsLan.Nic);
        _nicBefore = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var e = await Refused(NetnsLan.Request());
        Assert.Equal("check", e.Field);
        Assert.Contains("no default route", e.Message);
        Assert.Contains("--check ADDRESS", e.Hint);
    }
}

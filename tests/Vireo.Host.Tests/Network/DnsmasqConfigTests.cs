using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

public sealed class DnsmasqConfigTests
{
    internal static DnsmasqSettings Nat(string dir = "/var/lib/vireo/networks/default") =>
        new("default", "vireo-br0", "192.168.122.1", "192.168.122.2", "192.168.122.254", 24, "vireo.internal", dir, Isolated: false);

    internal static DnsmasqSettings Isolated(string dir = "/var/lib/vireo/networks/lab") =>
        new("lab", "vireo-br1", "10.88.0.1", "10.88.0.10", "10.88.3.250", 16, "lab.internal", dir, Isolated: true);

    [Fact]
    public void Render_NatNetwork_MatchesTheGoldenConfig() => Golden.Matches("dnsmasq-nat.conf", DnsmasqConfig.Render(Nat()));

    [Fact]
    public void Render_IsolatedNetwork_MatchesTheGoldenConfig() => Golden.Matches("dnsmasq-isolated.conf", DnsmasqConfig.Render(Isolated()));

    [Fact]
    public void Render_Isolated_HasNoRouterAndNoUpstream_NatHasBoth()
    {
        var nat = DnsmasqConfig.Render(Nat());
        var isolated = DnsmasqConfig.Render(Isolated());
        Assert.DoesNotContain("dhcp-option=3", nat);
        Assert.DoesNotContain("no-resolv", nat);
        Assert.Contains("dhcp-option=3\n", isolated);
        Assert.Contains("no-resolv\n", isolated);
        Assert.Contains("dhcp-lease-max=1009\n", isolated); // 10.88.0.10 .. 10.88.3.250
        Assert.Contains("dhcp-range=10.88.0.10,10.88.3.250,255.255.0.0\n", isolated);
    }

    [Theory]
    [InlineData("br0\ndhcp-option=6,203.0.113.1", "vireo.internal")]
    [InlineData("vireo-br0", "a/b")]
    [InlineData("vireo-br0", "a,b")]
    public void Render_RefusesValuesThatWouldAddOptions(string bridge, string domain) =>
        Assert.Throws<ArgumentException>(() => DnsmasqConfig.Render(Nat() with { Bridge = bridge, Domain = domain }));

    [Fact]
    public void Render_RefusesAnEmptyRange() =>
        Assert.Throws<ArgumentException>(() => DnsmasqConfig.Render(Nat() with { RangeStart = "192.168.122.9", RangeEnd = "192.168.122.8" }));
}

public sealed class DnsmasqFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-dnsmasq-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Leases_ParsesIpv4Leases_StarAsNoHostname_ZeroAsInfinite_SkipsIpv6()
    {
        var file = Path.Combine(_dir, "leases");
        File.WriteAllText(file, """
            1764000000 52:54:00:AA:BB:01 192.168.122.50 web01 01:52:54:00:aa:bb:01
            0 52:54:00:aa:bb:02 192.168.122.51 * *
            duid 00:01:00:01:2c:5f:1a:2b:52:54:00:aa:bb:03
            1764000000 1234567 fd00::5 v6host 00:01:00:01
            """);

        var leases = DnsmasqLeases.Read(file);

        Assert.Equal(
        [
            new DhcpLease(DateTimeOffset.FromUnixTimeSeconds(1764000000), "52:54:00:aa:bb:01", "192.168.122.50", "web01"),
            new DhcpLease(DateTimeOffset.MaxValue, "52:54:00:aa:bb:02", "192.168.122.51", null),
        ], leases);
    }

    [Fact]
    public void Leases_AMissingFileIsNoLeases() => Assert.Empty(DnsmasqLeases.Read(Path.Combine(_dir, "nothing")));

    [Fact]
    public void WriteReservations_ReplacesTheHostsFileWithOneLinePerHost_LeavingNoTempFiles()
    {
        DnsmasqProcess.WriteReservations(_dir, [("52:54:00:00:00:01", "192.168.122.10", "web")]);
        DnsmasqProcess.WriteReservations(_dir, [("52:54:00:00:00:02", "192.168.122.11", "db"), ("52:54:00:00:00:03", "192.168.122.12", "")]);

        Assert.Equal("52:54:00:00:00:02,192.168.122.11,db\n52:54:00:00:00:03,192.168.122.12\n", File.ReadAllText(Path.Combine(_dir, "hosts")));
        Assert.Equal(["hosts"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteReservations_RefusesAHostnameThatWouldAddFields() =>
        Assert.Throws<ArgumentException>(() => DnsmasqProcess.WriteReservations(_dir, [("52:54:00:00:00:01", "192.168.122.10", "a,ignore")]));
}

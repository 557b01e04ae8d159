using Vireo.Contracts;
using Vireo.Core.Networks;
using Xunit;

namespace Vireo.Core.Tests.Networks;

public sealed class NetworkRulesTests
{
    [Theory]
    [InlineData("192.168.122.0/24", "192.168.122.1", "192.168.122.2", "192.168.122.254")]
    [InlineData("10.10.0.0/16", "10.10.0.1", "10.10.0.2", "10.10.255.254")]
    [InlineData("172.16.5.8/29", "172.16.5.9", "172.16.5.10", "172.16.5.14")]
    public void A_subnet_gives_the_host_the_first_address_and_dhcp_the_rest(string cidr, string gateway, string first, string last)
    {
        var subnet = Ipv4Subnet.TryParse(cidr, out var error)!.Value;
        Assert.Null(error);
        Assert.Equal((gateway, first, last), (Ipv4Subnet.Format(subnet.Gateway), Ipv4Subnet.Format(subnet.DhcpFirst), Ipv4Subnet.Format(subnet.DhcpLast)));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "is not an IPv4 CIDR")]
    [InlineData("abc", "is not an IPv4 CIDR")]
    [InlineData("10.0.0.0/8", "use a prefix from /16 to /29")]
    [InlineData("10.0.0.0/30", "use a prefix from /16 to /29")]
    [InlineData("10.0.0.5/24", "the network address is 10.0.0.0/24")]
    public void Unusable_subnets_are_refused_with_the_reason(string cidr, string expected)
    {
        Assert.Null(Ipv4Subnet.TryParse(cidr, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_first_free_subnet_skips_networks_and_host_routes()
    {
        var taken = new[] { Ipv4Subnet.ParseRoute("192.168.122.0/24")!.Value, Ipv4Subnet.ParseRoute("192.168.120.0/22")!.Value, Ipv4Subnet.ParseRoute("192.168.124.7")!.Value };
        Assert.Equal("192.168.125.0/24", Ipv4Subnet.FirstFree(taken).ToString());
        Assert.Equal("192.168.122.0/24", Ipv4Subnet.FirstFree([]).ToString());
    }

    [Theory]
    [InlineData("default", "vireo-default")]
    [InlineData("a-rather-long-network-name", "vrbr")]
    public void Default_bridge_names_fit_linux_15_character_limit(string network, string expectedStart)
    {
        var bridge = NetworkRules.DefaultBridge(network);
        Assert.StartsWith(expectedStart, bridge);
        Assert.True(bridge.Length <= 15);
        Assert.Equal(bridge, NetworkRules.DefaultBridge(network));
    }

    [Fact]
    public void A_network_spec_reports_every_problem_with_its_field()
    {
        var errors = NetworkRules.Validate(new NetworkSpec { Name = "bad/name", Mode = NetworkMode.Bridge, Subnet = "10.0.0.0/24", Domain = "Not A Domain" });
        Assert.Equal(["name", "bridge", "subnet", "domain"], errors.Select(e => e.Field));
    }

    [Fact]
    public void A_forward_with_bad_ports_protocol_and_address_reports_each()
    {
        var errors = NetworkRules.Validate(new PortForward { Network = "default", Protocol = "sctp", HostPort = 0, Vm = "web", GuestPort = 70000, HostAddress = "1.2.3" });
        Assert.Equal(["proto", "host_port", "guest_port", "host_address"], errors.Select(e => e.Field));
    }
}

using Vireo.Host.Tests.Support;
using Vireo.Host.Uplink;

namespace Vireo.Host.Tests.Uplink;

/// <summary>
/// A wireless NIC cannot be made here (no mac80211_hwsim, no radio), so this fault is shown to the planner by a
/// FAKE runner that scripts what a host with wlan0 answers. Everything else is proven on real veths.
/// </summary>
public sealed class WirelessRefusalTests
{
    private static ScriptedCommandRunner FakeHostWithWirelessNic(bool wireless)
    {
        var fake = new ScriptedCommandRunner();
        fake.Answer("ip", "-j -d link show dev wlan0", 0,
            """[{"ifindex":3,"ifname":"wlan0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"02:00:5e:10:00:01"}]""");
        fake.Answer("ip", "-j addr show dev wlan0", 0,
            """[{"ifname":"wlan0","addr_info":[{"family":"inet","local":"198.51.100.20","prefixlen":24,"broadcast":"198.51.100.255","scope":"global","dynamic":true,"label":"wlan0","valid_life_time":3000,"preferred_life_time":3000}]}]""");
        fake.Answer("ip", "-4 -j route show table all dev wlan0", 0,
            """[{"dst":"default","gateway":"198.51.100.1","protocol":"dhcp","metric":600,"flags":[]}]""");
        fake.Answer("ip", "-6 -j route show table all dev wlan0", 0, "[]");
        fake.Answer("test", "-e /sys/class/net/wlan0/wireless -o -e /sys/class/net/wlan0/phy80211", wireless ? 0 : 1, "");
        fake.Answer("ip", "-j -d link show dev br0", 1, "", "Device \"br0\" does not exist.\n");
        fake.Answer("ping", "-n -q -c 1 -W 1 -I wlan0 198.51.100.1", 0, "");
        return fake;
    }

    [Fact]
    public async Task Refuses_AWirelessNic_AndExplainsWhy()
    {
        var fake = FakeHostWithWirelessNic(wireless: true);
        var e = await Assert.ThrowsAsync<UplinkRefusedException>(() => new UplinkPlanner(fake).PlanAsync(
            new UplinkRequest("br0", "wlan0", null, TimeSpan.FromSeconds(5), false), CancellationToken.None));
        Assert.Equal(("from", "wlan0"), (e.Field, e.Value));
        Assert.Contains("wireless", e.Message);
        Assert.Contains("drops the guests' frames", e.Message);
        Assert.Contains("nat", e.Message);
        Assert.DoesNotContain(fake.Calls, c => c.Contains("-batch"));
    }

    [Fact]
    public async Task Plans_TheSameNic_WhenSysfsShowsNoWirelessDirectory()
    {
        // The control for the test above: the refusal comes from the wireless answer, nothing else.
        var plan = await new UplinkPlanner(FakeHostWithWirelessNic(wireless: false)).PlanAsync(
            new UplinkRequest("br0", "wlan0", null, TimeSpan.FromSeconds(5), false), CancellationToken.None);
        Assert.Equal("198.51.100.1", plan.CheckAddress);
        Assert.Contains(plan.Warnings, w => w.Contains("leased by DHCP"));
        Assert.Contains(plan.MovedRoutes, r => r.Protocol == "dhcp" && r.Metric == 600);
    }
}

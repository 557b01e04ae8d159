using Vireo.Host.Uplink;

namespace Vireo.Host.Tests.Uplink;

/// <summary>The comparison that decides whether a rollback restored the NIC.</summary>
public sealed class NicSnapshotTests
{
    private static readonly NicSnapshot Before = PersistenceTree.Plan(dhcp: true).Before;

    [Fact]
    public void AnIdenticalSnapshot_HasNoDifferences_EvenWhenLifetimesCountedDown()
    {
        var now = Before with { Addresses = [.. Before.Addresses.Select(a => a with { ValidLifetime = a.ValidLifetime - 7 })] };
        Assert.Empty(Before.DifferencesTo(now));
    }

    [Fact]
    public void ARouteThatIsThereTwice_IsADifference()
    {
        var now = Before with { Routes = [.. Before.Routes, Before.Routes[2]] };
        Assert.Equal(["route extra: " + Before.Routes[2].Identity], Before.DifferencesTo(now));
    }

    [Fact]
    public void MacMtuStateMasterAndAMissingAddress_AreEachNamed()
    {
        var now = Before with { Mac = "52:54:00:00:00:01", Mtu = 9000, Up = false, Master = "br0", Addresses = [Before.Addresses[1]] };
        var d = Before.DifferencesTo(now);
        Assert.Equal(5, d.Count);
        Assert.Contains("MAC: was 52:54:00:12:34:56, now 52:54:00:00:00:01", d);
        Assert.Contains("master: was none, now br0", d);
        Assert.Contains(d, x => x.StartsWith("address missing: inet 198.51.100.10/24", StringComparison.Ordinal));
    }

    [Fact]
    public void ADhcpAddressComingBackAsPermanent_IsADifference()
    {
        var now = Before with { Addresses = [Before.Addresses[0] with { Dynamic = false, ValidLifetime = null }, Before.Addresses[1]] };
        Assert.Equal(2, Before.DifferencesTo(now).Count);
    }
}

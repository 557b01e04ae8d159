using System.Text.Json;
using Vireo.Host.Uplink;
using Vireo.Host.Uplink.Persistence;

namespace Vireo.Host.Tests.Uplink;

/// <summary>Conversions on real kernel networking, in namespaces made for each test.</summary>
public sealed class UplinkConversionTests : IAsyncLifetime
{
    private readonly NetnsLan _lan = new();

    public Task InitializeAsync() => _lan.InitializeAsync();
    public Task DisposeAsync() => _lan.DisposeAsync();

    [Fact]
    public async Task Conversion_MovesAddressAndRoutesToTheBridge_WhichTakesTheNicsMacAndMtu_AndKeepsTheLanConnected()
    {
        // A route with a TOS and a route metric: both must reach the bridge as they were.
        await _lan.HostIp("route", "append", "203.0.113.128/25", "tos", "0x10", "via", NetnsLan.Gateway, "dev", NetnsLan.Nic, "mtu", "1400");
        var before = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var planner = new UplinkPlanner(_lan.HostRunner);
        var plan = await planner.PlanAsync(NetnsLan.Request(), CancellationToken.None);
        Assert.Equal(NetnsLan.Gateway, plan.CheckAddress);
        Assert.Null(plan.CheckAnsweredBefore);
        await planner.ProbeAsync(plan, CancellationToken.None);
        Assert.True(plan.CheckAnsweredBefore);

        // 20 echoes/s for 6 s from the gateway to the host, across the conversion.
        using var pinger = new LanPinger(_lan.Lan, NetnsLan.HostAddress, count: 120);
        await Task.Delay(1000);
        var result = await new UplinkConverter(_lan.HostRunner).ApplyAsync(plan, CancellationToken.None);
        var (sent, received) = await pinger.FinishAsync(TimeSpan.FromSeconds(30));

        var br = (await _lan.SnapshotAsync("br0"))!;
        var nic = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        Assert.Equal(before.Mac, br.Mac);
        Assert.Equal(before.Mtu, br.Mtu);
        Assert.Equal("bridge", br.Kind);
        Assert.True(br.Up);
        Assert.Equal("br0", nic.Master);
        Assert.True(nic.Up);
        Assert.DoesNotContain(nic.Addresses, a => a.IsIPv4);
        Assert.DoesNotContain(nic.Routes, r => r.Family == "inet" && !r.IsKernel);
        var moved = Assert.Single(br.Addresses, a => a.IsIPv4);
        Assert.Equal("198.51.100.10/24 198.51.100.255 br0", $"{moved.Cidr} {moved.Broadcast} {moved.Label}");
        Assert.Contains(br.Routes, r => r.Destination == "default" && r.Gateway == NetnsLan.Gateway && r.Metric == 100);
        Assert.Contains(br.Routes, r => r.Destination == "203.0.113.0/24" && r.Gateway == NetnsLan.Gateway);
        Assert.Contains(br.Routes, r => r.Destination == "203.0.113.128/25" && r.Tos == "0x10" && r.Metrics == "mtu 1400");
        // The host reaches a destination behind the gateway through the bridge now.
        using var get = JsonDocument.Parse(await _lan.HostIp("-j", "route", "get", "203.0.113.7"));
        Assert.Equal("br0", get.RootElement[0].GetProperty("dev").GetString());

        Console.WriteLine($"[uplink] apply {result.ApplyDuration.TotalMilliseconds:0} ms, check {result.CheckLatency.TotalMilliseconds:0} ms " +
                          $"({result.CheckAttempts} pings), total {result.Elapsed.TotalMilliseconds:0} ms; LAN ping at 20/s: {sent - received} of {sent} lost");
        Assert.Equal(120, sent);
        Assert.True(sent - received <= 3, $"{sent - received} of {sent} pings lost across the conversion");
        Assert.True(result.ApplyDuration < TimeSpan.FromSeconds(2), $"apply took {result.ApplyDuration}");
    }

    [Fact]
    public async Task Conversion_RollsBackAndRestoresTheNicExactly_WhenTheCheckAddressDoesNotAnswer()
    {
        var linksBefore = await _lan.HostLinksAsync();
        var before = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var planner = new UplinkPlanner(_lan.HostRunner);
        var plan = await planner.PlanAsync(NetnsLan.Request(check: "203.0.113.99", timeoutSeconds: 2), CancellationToken.None);
        await planner.ProbeAsync(plan, CancellationToken.None);
        Assert.False(plan.CheckAnsweredBefore);

        var e = await Assert.ThrowsAsync<UplinkRolledBackException>(() => new UplinkConverter(_lan.HostRunner).ApplyAsync(plan, CancellationToken.None));

        Assert.False(e.Cancelled);
        Assert.Contains("203.0.113.99", e.Message);
        Assert.Contains("rolled back", e.Message);
        var after = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        Assert.Empty(before.DifferencesTo(after));
        Assert.Equal(before.Addresses.Select(a => a.Identity).Order(), after.Addresses.Select(a => a.Identity).Order());
        Assert.Equal(before.Routes.Select(r => r.Identity).Order(), after.Routes.Select(r => r.Identity).Order());
        Assert.Null(after.Master);
        Assert.Equal(linksBefore, await _lan.HostLinksAsync());
        // ...and the host still talks to the LAN through the NIC.
        await _lan.HostIp("route", "get", "203.0.113.7");
        var r = await _lan.HostRunner.RunAsync("ping", ["-n", "-c", "1", "-W", "2", NetnsLan.Gateway], TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(r.Succeeded, r.FailureSummary);
    }

    [Fact]
    public async Task Conversion_RollsBackFromAHalfAppliedBatch_WhenALineOfTheApplyFails()
    {
        var before = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var plan = await new UplinkPlanner(_lan.HostRunner).PlanAsync(NetnsLan.Request(), CancellationToken.None);
        // Something else (a DHCP client, an admin) removes a route between plan and apply: the batch's `route del` for
        // it fails after the bridge exists and holds the NIC, and the batch stops half-applied.
        await _lan.HostIp("route", "del", "203.0.113.0/24", "dev", NetnsLan.Nic);

        var e = await Assert.ThrowsAsync<UplinkRolledBackException>(() => new UplinkConverter(_lan.HostRunner).ApplyAsync(plan, CancellationToken.None));

        // The rollback brings the NIC back to the state it was planned from, the vanished route included.
        Assert.Contains("applying the change failed", e.Message);
        Assert.Empty(before.DifferencesTo((await _lan.SnapshotAsync(NetnsLan.Nic))!));
        Assert.Null(await _lan.SnapshotAsync("br0"));
    }

    [Fact]
    public async Task Conversion_RollsBack_WhenCancelledDuringTheCheck()
    {
        var before = (await _lan.SnapshotAsync(NetnsLan.Nic))!;
        var plan = await new UplinkPlanner(_lan.HostRunner).PlanAsync(NetnsLan.Request(check: "203.0.113.99", timeoutSeconds: 60), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));

        var e = await Assert.ThrowsAsync<UplinkRolledBackException>(() => new UplinkConverter(_lan.HostRunner).ApplyAsync(plan, cts.Token));

        Assert.True(e.Cancelled);
        Assert.Empty(before.DifferencesTo((await _lan.SnapshotAsync(NetnsLan.Nic))!));
        Assert.Null(await _lan.SnapshotAsync("br0"));
    }

    [Fact]
    public async Task DryRun_ChangesNothing_AndDescribesStepsRollbackAndPersistence()
    {
        var linksBefore = await _lan.HostLinksAsync();
        var before = (await _lan.SnapshotAsync(NetnsLan.Nic))!;

        // Every IPv4 and ARP frame that reaches the LAN from ens33 is counted where it arrives (lan0's ingress).
        await _lan.Ip("netns", "exec", _lan.Lan, "nft", "add table netdev vtest_count; " +
                      "add chain netdev vtest_count in { type filter hook ingress device lan0 priority 0; }; " +
                      "add rule netdev vtest_count in meta protocol { ip, arp } counter");
        var framesBefore = await LanFramesAsync();

        var plan = await new UplinkPlanner(_lan.HostRunner).PlanAsync(NetnsLan.Request(), CancellationToken.None);
        var text = plan.Describe();
        Console.WriteLine($"[uplink] dry-run:\n{text}");
        await Task.Delay(500);
        var framesAfter = await LanFramesAsync();
        // The counter works: one ping from the host is seen. (Afterwards: a ping before would make the gateway probe
        // the host's MAC a few seconds later, and the answer would be counted.)
        await _lan.Ip("netns", "exec", _lan.Host, "ping", "-n", "-q", "-c", "1", "-W", "1", NetnsLan.Gateway);

        Assert.True(await LanFramesAsync() > framesAfter, "the counter does not see a ping");
        Assert.Equal(framesBefore, framesAfter);
        Assert.Null(plan.CheckAnsweredBefore);
        Assert.Contains("Not tried now: planning sends no packet. Before step 1 the real run pings 198.51.100.1 once through ens33", text);
        Assert.Empty(before.DifferencesTo((await _lan.SnapshotAsync(NetnsLan.Nic))!));
        Assert.Equal(linksBefore, await _lan.HostLinksAsync());
        Assert.Contains($"1. create bridge br0 with ens33's MAC {before.Mac} and MTU 1500", text);
        Assert.Contains("move address 198.51.100.10/24 from ens33 to br0", text);
        Assert.Contains("move route default via 198.51.100.1 metric 100 from ens33 to br0", text);
        Assert.Contains("move route 203.0.113.0/24 via 198.51.100.1 from ens33 to br0", text);
        Assert.Contains("check that 198.51.100.1 (gateway of ens33's default route) answers ping through br0", text);
        Assert.Contains("rolled back", text);
        Assert.Contains("Persistence: not requested", text);
    }

    private async Task<long> LanFramesAsync()
    {
        var listed = await _lan.Ip("netns", "exec", _lan.Lan, "nft", "list", "table", "netdev", "vtest_count");
        var match = System.Text.RegularExpressions.Regex.Match(listed, @"counter packets (\d+)");
        Assert.True(match.Success, listed);
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string Interfaces = "auto lo\niface lo inet loopback\n\nallow-hotplug ens33\niface ens33 inet static\n    address 198.51.100.10/24\n    gateway 198.51.100.1\n";

    [Fact]
    public async Task Persist_WritesTheHostConfiguration_AfterTheCheckPasses()
    {
        using var tree = new PersistenceTree();
        tree.Write("/etc/network/interfaces", Interfaces);
        var writer = new PersistentConfigWriter(tree.Root, new FixedClock(PersistenceTree.Now));
        var plan = await new UplinkPlanner(_lan.HostRunner, writer).PlanAsync(NetnsLan.Request() with { Persist = true }, CancellationToken.None);
        Assert.Contains("Persistence: ifupdown configures ens33 (/etc/network/interfaces)", plan.Describe());
        Assert.Equal(Interfaces, tree.Read("/etc/network/interfaces"));

        var result = await new UplinkConverter(_lan.HostRunner, writer).ApplyAsync(plan, CancellationToken.None);

        Assert.Equal("/etc/network/interfaces", result.PersistedTo);
        Assert.Contains("bridge-utils", result.PersistNote);
        Assert.Contains("iface br0 inet static\n    address 198.51.100.10/24\n    gateway 198.51.100.1\n", tree.Read("/etc/network/interfaces"));
        Assert.Contains($"/var/backups/vireo/uplink-{PersistenceTree.Stamp}/etc/network/interfaces", result.PersistedFiles);
    }

    [Fact]
    public async Task Persist_WritesNothing_WhenTheConversionIsRolledBack()
    {
        using var tree = new PersistenceTree();
        tree.Write("/etc/network/interfaces", Interfaces);
        var writer = new PersistentConfigWriter(tree.Root, new FixedClock(PersistenceTree.Now));
        var plan = await new UplinkPlanner(_lan.HostRunner, writer)
            .PlanAsync(NetnsLan.Request(check: "203.0.113.99", timeoutSeconds: 2) with { Persist = true }, CancellationToken.None);

        await Assert.ThrowsAsync<UplinkRolledBackException>(() => new UplinkConverter(_lan.HostRunner, writer).ApplyAsync(plan, CancellationToken.None));

        Assert.Equal(Interfaces, tree.Read("/etc/network/interfaces"));
        Assert.False(Directory.Exists(tree.PathOf("/var")));
    }
}

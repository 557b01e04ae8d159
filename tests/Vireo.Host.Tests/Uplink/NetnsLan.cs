using System.Text.Json;
using Vireo.Host.Os;
using Vireo.Host.Network;
using Vireo.Host.Uplink;

namespace Vireo.Host.Tests.Uplink;

/// <summary>
/// A real LAN made of two network namespaces joined by a veth pair: <c>vup-lan-*</c> holds the "gateway" lan0
/// 198.51.100.1/24; <c>vup-host-*</c> holds the host's NIC ens33 198.51.100.10/24 with a default route via the
/// gateway (metric 100) and 203.0.113.0/24 via the gateway. Both namespaces are deleted on dispose (and with them
/// every link in them), whatever the test did.
/// </summary>
public sealed class NetnsLan : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessCommandRunner _runner = new();
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    public string Lan => $"vup-lan-{_id}";
    public string Host => $"vup-host-{_id}";
    public const string Nic = "ens33";
    public const string HostAddress = "198.51.100.10";
    public const string Gateway = "198.51.100.1";

    /// <summary>Runs commands inside the host namespace: what the planner and converter are given.</summary>
    public NetnsCommandRunner HostRunner => new(Host, _runner);

    public async Task InitializeAsync()
    {
        // xunit does not call DisposeAsync when InitializeAsync throws, so a half-built LAN is removed here.
        try
        {
            await BuildAsync();
        }
        catch
        {
            await DeleteNamespacesAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        await Ip("netns", "add", Lan);
        await Ip("netns", "add", Host);
        await Ip("link", "add", Nic, "netns", Host, "type", "veth", "peer", "name", "lan0", "netns", Lan);
        // A real host's NIC finished IPv6 duplicate address detection long ago; without this, its link-local address
        // turns from tentative to valid (and gains a local route) in the middle of a test and spoils the snapshots.
        await Ip("netns", "exec", Host, "sysctl", "-q", "-w", $"net.ipv6.conf.{Nic}.accept_dad=0");
        await Ip("netns", "exec", Lan, "sysctl", "-q", "-w", "net.ipv6.conf.lan0.accept_dad=0");
        await Ip("-n", Lan, "link", "set", "lo", "up");
        await Ip("-n", Lan, "addr", "add", $"{Gateway}/24", "dev", "lan0");
        await Ip("-n", Lan, "link", "set", "lan0", "up");
        await Ip("-n", Host, "link", "set", "lo", "up");
        await Ip("-n", Host, "addr", "add", $"{HostAddress}/24", "broadcast", "198.51.100.255", "dev", Nic);
        await Ip("-n", Host, "link", "set", Nic, "up");
        await Ip("-n", Host, "route", "add", "default", "via", Gateway, "dev", Nic, "metric", "100");
        await Ip("-n", Host, "route", "add", "203.0.113.0/24", "via", Gateway, "dev", Nic);
    }

    public Task DisposeAsync() => DeleteNamespacesAsync();

    private async Task DeleteNamespacesAsync()
    {
        // Deleting a namespace destroys the links in it; both deletes are tried even if one fails.
        var a = await _runner.RunAsync("ip", ["netns", "del", Host], Timeout, CancellationToken.None);
        var b = await _runner.RunAsync("ip", ["netns", "del", Lan], Timeout, CancellationToken.None);
        if (!a.Succeeded || !b.Succeeded) throw new IOException($"netns cleanup: {a.FailureSummary} / {b.FailureSummary}");
    }

    public async Task<string> Ip(params string[] args)
    {
        var r = await _runner.RunAsync("ip", args, Timeout, CancellationToken.None);
        Assert.True(r.Succeeded, $"ip {string.Join(' ', args)}: {r.FailureSummary}");
        return r.Stdout;
    }

    public Task<string> HostIp(params string[] args) => Ip(["-n", Host, .. args]);

    /// <summary>The names of every link in the host namespace.</summary>
    public async Task<List<string>> HostLinksAsync()
    {
        using var doc = JsonDocument.Parse(await HostIp("-j", "link", "show"));
        return doc.RootElement.EnumerateArray().Select(l => l.GetProperty("ifname").GetString()!).Order().ToList();
    }

    /// <summary>Full snapshot of a link in the host namespace (null when it does not exist).</summary>
    public Task<NicSnapshot?> SnapshotAsync(string name) => new IpReader(HostRunner).SnapshotAsync(name, CancellationToken.None);

    public static UplinkRequest Request(string? check = null, double timeoutSeconds = 10, string bridge = "br0", string nic = Nic) =>
        new(bridge, nic, check, TimeSpan.FromSeconds(timeoutSeconds), Persist: false);
}

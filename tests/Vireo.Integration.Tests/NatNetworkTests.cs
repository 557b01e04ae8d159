using System.Text.Json;
using System.Text.RegularExpressions;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The brief's NAT setup on a LAN of namespaces: a VM on the network "default" gets a lease from Vireo's dnsmasq,
/// resolves a LAN name through it and reaches a LAN machine; the LAN machine cannot reach the VM until a port is
/// forwarded, and the forward survives a VM restart and a vireod restart.
/// </summary>
public sealed partial class NatNetworkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_nat_vm_reaches_the_lan_and_is_reachable_only_through_a_forward_that_survives_restarts()
    {
        await using var lab = await LanLab.CreateAsync();
        await using var h = await VireoHarness.StartAsync(output, ns: lab.Host);

        var nets = await h.VireoOk("net", "list", "-o", "json");
        using (var doc = JsonDocument.Parse(nets.Stdout))
        {
            var def = doc.RootElement.EnumerateArray().Single(n => n.GetProperty("name").GetString() == "default");
            Assert.Equal("192.168.122.0/24", def.GetProperty("subnet").GetString());
            Assert.True(def.GetProperty("active").GetBoolean(), nets.Stdout);
        }

        await h.StartTinyAsync("web");
        var log = await h.WaitForSerialAsync("web", "VIREO-NET eth0");
        var address = LeaseLine().Match(log) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no lease on 192.168.122.0/24:\n{log}");

        var ip = await h.VireoOk("ip", "web", "-o", "json");
        Assert.Contains($"\"{address}/24\"", ip.Stdout);
        Assert.Contains("\"lease\"", ip.Stdout);

        // Out through the NAT: a LAN name resolves through Vireo's dnsmasq (forwarded to the LAN's DNS) and the
        // LAN machine's page loads.
        var answer = await h.VireoWithInput($"nslookup {LanLab.LanServerName}; wget -q -O- http://{LanLab.PcAddress}:8080/\n", "console", "web", "--idle", "8");
        Assert.True(answer.Stdout.Contains(LanLab.PcPage, StringComparison.Ordinal) && answer.Stdout.Contains($"Address: {LanLab.PcAddress}", StringComparison.Ordinal)
            || answer.Stdout.Contains($"Address 1: {LanLab.PcAddress}", StringComparison.Ordinal) && answer.Stdout.Contains(LanLab.PcPage, StringComparison.Ordinal),
            answer + "\n" + (await lab.Host.ExecAsync("nft", "list", "ruleset")).Stdout + (await lab.Host.ExecAsync("ip", "-br", "addr")).Stdout
            + (await lab.Host.ExecAsync("ip", "route")).Stdout + (await lab.Host.ExecAsync("sysctl", "net.ipv4.ip_forward")).Stdout + (await lab.Host.ExecAsync("ip", "-d", "link", "show", "master", "vireo-default")).Stdout);

        // In from the LAN: refused even for a machine that routes the VM subnet through the host.
        await lab.Pc.Ip("route", "add", "192.168.122.0/24", "via", LanLab.HostAddress);
        Assert.Null(await lab.FetchFromPcAsync($"http://{address}/", 3));
        Assert.Null(await lab.FetchFromPcAsync($"http://{LanLab.HostAddress}:8080/", 3));

        var added = await h.VireoOk("net", "forward", "add", "default", "--host-port", "8080", "--to", "web:80");
        Assert.Contains(address, added.Stdout);
        Assert.Contains("<h1>web</h1>", await lab.FetchFromPcAsync($"http://{LanLab.HostAddress}:8080/") ?? "(no answer)");

        await h.VireoOk("destroy", "web");
        await h.VireoOk("start", "web");
        await h.WaitForSerialAsync("web", "VIREO-NET eth0", times: 2);
        Assert.Contains("<h1>web</h1>", await FetchSoonAsync(lab, $"http://{LanLab.HostAddress}:8080/"));

        await h.StopDaemonAsync();
        await h.StartDaemonAsync();
        Assert.Contains("<h1>web</h1>", await FetchSoonAsync(lab, $"http://{LanLab.HostAddress}:8080/"));

        await h.VireoOk("net", "forward", "remove", "default", "--host-port", "8080");
        Assert.Null(await lab.FetchFromPcAsync($"http://{LanLab.HostAddress}:8080/", 3));
    }

    private static async Task<string> FetchSoonAsync(LanLab lab, string url)
    {
        for (var i = 0; i < 10; i++)
        {
            if (await lab.FetchFromPcAsync(url) is { } page)
                return page;
            await Task.Delay(500);
        }
        return "(no answer)";
    }

    [GeneratedRegex(@"VIREO-NET eth0 \S+ (192\.168\.122\.\d+)/24 gw 192\.168\.122\.1")]
    private static partial Regex LeaseLine();
}

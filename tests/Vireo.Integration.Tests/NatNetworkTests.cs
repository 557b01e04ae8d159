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

    /// <summary>
    /// Forwards answer from the host itself, as Docker's published ports do: on 127.0.0.1 and on the host's own
    /// addresses, inside vireod's namespace, as well as from the LAN. An address-bound forward answers only on its
    /// address. Removing a VM's last forward takes the reservation that the forwards made, never one made with
    /// vireo net reserve; route_localnet and the DNAT rules go with the last loopback forward; a kill -9 of vireod in
    /// between is reconciled by its restart.
    /// </summary>
    [Fact]
    public async Task A_forward_answers_on_loopback_and_the_hosts_own_addresses_and_takes_its_reservation_with_it()
    {
        await using var lab = await LanLab.CreateAsync();
        await using var h = await VireoHarness.StartAsync(output, ns: lab.Host);
        await h.StartTinyAsync("web");
        await h.WaitForSerialAsync("web", "VIREO-NET eth0");
        await h.VireoOk("create", "--name", "db", "--image", "tiny", "--memory", "128");
        await h.VireoOk("net", "reserve", "default", "db", "192.168.122.50");

        await h.VireoOk("net", "forward", "add", "default", "--host-port", "8080", "--to", "web:80");
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "8081", "--to", "web:80", "--host-address", LanLab.HostAddress);
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "8082", "--to", "web:80", "--host-address", "127.0.0.1");
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "5432", "--to", "db:80");
        Assert.Equal("db=192.168.122.50/user web=forward", await ReservationsAsync(h));

        // From inside vireod's namespace (the host) and from the LAN machine.
        Assert.Equal("loopback=yes own=yes bridge=yes lan=yes", await AnswersAsync(lab, 8080));
        Assert.Equal("loopback=no own=yes bridge=no lan=yes", await AnswersAsync(lab, 8081));
        Assert.Equal("loopback=yes own=no bridge=no lan=no", await AnswersAsync(lab, 8082));
        Assert.Equal("1", await RouteLocalnetAsync(lab));

        // kill -9: the rules stay as they were, and the restarted vireod re-applies the same.
        await h.KillDaemonAsync();
        Assert.Equal("loopback=yes own=yes bridge=yes lan=yes", await AnswersAsync(lab, 8080));
        await lab.Host.ExecOkAsync("sysctl", "-q", "-w", "net.ipv4.conf.vireo-default.route_localnet=0");
        await h.StartDaemonAsync();
        Assert.Equal("1", await RouteLocalnetAsync(lab));
        Assert.Equal("loopback=yes own=yes bridge=yes lan=yes", await AnswersAsync(lab, 8080));

        // web's reservation stays while one of its forwards is left; db's is the user's and stays.
        var removed = await h.VireoOk("net", "forward", "remove", "default", "--host-port", "8080");
        Assert.DoesNotContain("Reservation", removed.Stdout);
        await h.VireoOk("net", "forward", "remove", "default", "--host-port", "8081");
        await h.VireoOk("net", "forward", "remove", "default", "--host-port", "5432");
        Assert.Equal("db=192.168.122.50/user web=forward", await ReservationsAsync(h));
        Assert.Equal("1", await RouteLocalnetAsync(lab));
        var last = await h.VireoOk("net", "forward", "remove", "default", "--host-port", "8082");
        Assert.Contains("Reservation of 192.168.122.", last.Stdout);
        Assert.Equal("db=192.168.122.50/user", await ReservationsAsync(h));

        foreach (var port in new[] { 8080, 8081, 8082 })
            Assert.Equal("loopback=no own=no bridge=no lan=no", await AnswersAsync(lab, port));
        Assert.Equal("0", await RouteLocalnetAsync(lab));
        var table = (await lab.Host.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout;
        Assert.DoesNotContain("dnat to", table);
        Assert.DoesNotContain("ip saddr 127.0.0.0/8", table);
        // dnsmasq no longer hands web a fixed address.
        var hosts = await File.ReadAllTextAsync(Path.Combine(h.StateDir, "networks", "default", "hosts"));
        Assert.Contains("192.168.122.50,db", hosts);
        Assert.DoesNotMatch(@"192\.168\.122\.\d+,web", hosts);

        // Stopping the network takes its rules, and route_localnet with its bridge; starting it applies both again.
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "8080", "--to", "web:80");
        await h.VireoOk("destroy", "web");
        await h.VireoOk("net", "stop", "default");
        Assert.NotEqual(0, (await lab.Host.ExecAsync("sysctl", "-n", "net.ipv4.conf.vireo-default.route_localnet")).ExitCode);
        var stopped = await lab.Host.ExecAsync("nft", "list", "table", "ip", "vireo");
        Assert.DoesNotContain("vireo-default", stopped.Stdout);
        await h.VireoOk("net", "start", "default");
        Assert.Equal("1", await RouteLocalnetAsync(lab));
        Assert.Contains("dnat to", (await lab.Host.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout);
    }

    private static async Task<string> ReservationsAsync(VireoHarness h)
    {
        var info = await h.VireoOk("net", "info", "default", "-o", "json");
        using var doc = JsonDocument.Parse(info.Stdout);
        return string.Join(' ', doc.RootElement.GetProperty("reservations").EnumerateArray()
            .Select(r => r.GetProperty("vm").GetString() + "=" + (r.GetProperty("vm").GetString() == "db" ? r.GetProperty("address").GetString() + "/" : "")
                         + r.GetProperty("origin").GetString())
            .Order(StringComparer.Ordinal));
    }

    /// <summary>Whether PORT answers from the host on 127.0.0.1, its LAN address and its bridge address, and from the LAN machine.</summary>
    private static async Task<string> AnswersAsync(LanLab lab, int port)
    {
        async Task<string> From(NetNamespace ns, string address)
        {
            var r = await ns.ExecAsync("curl", "-s", "-m", "4", $"http://{address}:{port}/");
            return r.ExitCode == 0 && r.Stdout.Contains("<h1>web</h1>", StringComparison.Ordinal) ? "yes" : "no";
        }
        return $"loopback={await From(lab.Host, "127.0.0.1")} own={await From(lab.Host, LanLab.HostAddress)} " +
               $"bridge={await From(lab.Host, "192.168.122.1")} lan={await From(lab.Pc, LanLab.HostAddress)}";
    }

    private static async Task<string> RouteLocalnetAsync(LanLab lab) =>
        (await lab.Host.ExecOkAsync("sysctl", "-n", "net.ipv4.conf.vireo-default.route_localnet")).Stdout.Trim();

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

using System.Diagnostics;
using System.Text.RegularExpressions;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The brief's bridged setup on a LAN of namespaces: ens33 moves into br0 while the LAN keeps pinging the host;
/// a VM on br0 gets its address from the LAN's DHCP server and the LAN machine loads its page directly. A
/// conversion whose check fails rolls back and leaves ens33 exactly as it was.
/// </summary>
public sealed partial class BridgeNetworkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Bridge_uplink_keeps_the_host_reachable_and_a_bridged_vm_is_a_machine_on_the_lan()
    {
        await using var lab = await LanLab.CreateAsync();
        await using var h = await VireoHarness.StartAsync(output, ns: lab.Host);

        // --dry-run changes nothing and sends nothing: every IPv4 and ARP frame from the host's NIC is counted where it
        // reaches the LAN (the ingress of the LAN's end of the veth), and the host's links, addresses and routes are
        // compared. A ping of the gateway afterwards shows that the counter sees one. (Not before: the gateway's ARP
        // probe of the host a few seconds after a ping would be answered, and counted, during the dry run.)
        await lab.Lan.ExecOkAsync("nft", "add table netdev vtest_count; " +
            "add chain netdev vtest_count in { type filter hook ingress device hostport priority 0; }; " +
            "add rule netdev vtest_count in meta protocol { ip, arp } counter");
        var framesBefore = await LanFramesAsync(lab);
        var stateBefore = await SnapshotAsync(lab.Host);
        var dry = await h.VireoOk("net", "bridge-uplink", "br0", "--from", "ens33", "--dry-run");
        await Task.Delay(500);
        var framesAfter = await LanFramesAsync(lab);
        output.WriteLine(dry.Stdout + (await lab.Host.ExecOkAsync("ip", "-s", "link", "show", "ens33")).Stdout);
        await lab.Host.ExecOkAsync("ping", "-n", "-q", "-c", "1", "-W", "2", LanLab.Router);
        Assert.True(await LanFramesAsync(lab) > framesAfter, "the counter does not see a ping");
        Assert.Equal(framesBefore, framesAfter);
        Assert.Equal(stateBefore, await SnapshotAsync(lab.Host));
        Assert.Null(await LinkJsonAsync(lab.Host, "br0"));
        Assert.Contains("Not tried now: planning sends no packet", dry.Stdout);
        Assert.Contains($"check that {LanLab.Router} (gateway of ens33's default route) answers ping through br0", dry.Stdout);
        Assert.Contains("no packet was sent", dry.Stdout);

        // A ping from the LAN every 50 ms for 10 s, across the whole conversion.
        var ping = StartPing(lab.Lan, LanLab.HostAddress);
        await Task.Delay(1000);
        var done = await h.VireoOk("net", "bridge-uplink", "br0", "--from", "ens33");
        await ping.Process.WaitForExitAsync();
        var summary = ping.Output.ToString();
        output.WriteLine(done.Stdout + "\n" + summary);
        var stats = PingStats().Match(summary);
        Assert.True(stats.Success, summary);
        var lost = int.Parse(stats.Groups[1].Value) - int.Parse(stats.Groups[2].Value);
        Assert.True(lost <= 3, $"{lost} pings lost during the conversion:\n{summary}");

        Assert.Contains($"\"{LanLab.HostAddress}\"", await LinkJsonAsync(lab.Host, "br0") ?? "");
        Assert.Contains("\"master\":\"br0\"", (await lab.Host.ExecOkAsync("ip", "-j", "link", "show", "ens33")).Stdout);

        await h.VireoOk("net", "create", "lan", "--mode", "bridge", "--bridge", "br0");
        await h.StartTinyAsync("bvm", "--network", "network=lan");
        var log = await h.WaitForSerialAsync("bvm", "VIREO-NET eth0");
        var address = LanLease().Match(log) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no LAN lease:\n{log}");
        Assert.Contains("<h1>bvm</h1>", await lab.FetchFromPcAsync($"http://{address}/") ?? "(no answer)");

        // Deleting a network that a VM uses is refused, with nothing changed.
        var refused = await h.Vireo("net", "delete", "lan");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("bvm", refused.Stderr);
    }

    [Fact]
    public async Task A_bridge_uplink_whose_check_fails_rolls_back_and_leaves_the_nic_exactly_as_before()
    {
        await using var lab = await LanLab.CreateAsync();
        await using var h = await VireoHarness.StartAsync(output, ns: lab.Host);
        var before = await SnapshotAsync(lab.Host);

        var result = await h.Vireo("net", "bridge-uplink", "br0", "--from", "ens33", "--check", "203.0.113.99", "--timeout", "3");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("roll", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await LinkJsonAsync(lab.Host, "br0"));
        Assert.Equal(before, await SnapshotAsync(lab.Host));
        Assert.Equal(0, (await lab.Host.ExecAsync("ping", "-c", "1", "-W", "2", LanLab.Router)).ExitCode);

        var missing = await h.Vireo("net", "bridge-uplink", "br1", "--from", "ens99");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("ens99", missing.Stderr);
        Assert.Equal(before, await SnapshotAsync(lab.Host));
    }

    private static async Task<string> SnapshotAsync(NetNamespace ns)
    {
        var addr = (await ns.ExecOkAsync("ip", "-4", "-o", "addr", "show")).Stdout;
        var routes = (await ns.ExecOkAsync("ip", "-4", "route", "show")).Stdout;
        var links = (await ns.ExecOkAsync("ip", "-o", "link", "show")).Stdout;
        return $"{Regex.Replace(addr, @"valid_lft.*", "")}\n{routes}\n{links}";
    }

    private static async Task<long> LanFramesAsync(LanLab lab)
    {
        var listed = (await lab.Lan.ExecOkAsync("nft", "list", "table", "netdev", "vtest_count")).Stdout;
        var match = Regex.Match(listed, @"counter packets (\d+)");
        Assert.True(match.Success, listed);
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> LinkJsonAsync(NetNamespace ns, string link)
    {
        var result = await ns.ExecAsync("ip", "-j", "addr", "show", "dev", link);
        return result.ExitCode == 0 ? result.Stdout : null;
    }

    private static (Process Process, System.Text.StringBuilder Output) StartPing(NetNamespace ns, string address)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "netns", "exec", ns.Name, "ping", "-i", "0.05", "-w", "10", address })
            start.ArgumentList.Add(arg);
        var text = new System.Text.StringBuilder();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, text);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex PingStats();

    [GeneratedRegex(@"VIREO-NET eth0 \S+ (198\.51\.100\.1\d\d)/24 gw 198\.51\.100\.1")]
    private static partial Regex LanLease();
}

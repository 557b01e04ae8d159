using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Isolated and user-mode networks, reservations, the doctor, and bad network input that changes nothing.
/// Every vireod runs in a namespace of its own.
/// </summary>
public sealed class NetworkModesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_vm_gets_its_reserved_address_on_an_isolated_network_and_10_0_2_15_on_a_user_network()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("net", "create", "iso", "--mode", "isolated", "--subnet", "10.77.0.0/24");
        await h.VireoOk("net", "create", "slirp", "--mode", "user");
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "two", "--image", "tiny", "--memory", "128", "--network", "network=iso", "--network", "network=slirp");
        var reserved = await h.VireoOk("net", "reserve", "iso", "two", "10.77.0.50");
        Assert.Contains("10.77.0.50", reserved.Stdout);
        await h.VireoOk("start", "two");

        // Isolated: the reserved address and no default route (no router option from dnsmasq).
        var log = await h.WaitForSerialAsync("two", "VIREO-NET eth0");
        Assert.Matches(@"VIREO-NET eth0 \S+ 10\.77\.0\.50/24 gw none", log);
        log = await h.WaitForSerialAsync("two", "VIREO-NET eth1");
        Assert.Matches(@"VIREO-NET eth1 \S+ 10\.0\.2\.15/24 gw 10\.0\.2\.2", log);

        var ip = await h.VireoOk("ip", "two", "-o", "json");
        Assert.Contains("10.77.0.50/24", ip.Stdout);
        Assert.Contains("\"user-mode\"", ip.Stdout);

        var info = await h.VireoOk("net", "info", "iso", "-o", "json");
        using var doc = JsonDocument.Parse(info.Stdout);
        Assert.Equal("two", doc.RootElement.GetProperty("vms")[0].GetString());
        Assert.Equal("10.77.0.50", doc.RootElement.GetProperty("reservations")[0].GetProperty("address").GetString());

        // A running VM keeps its network: stop is refused; after the VM stops, stop and delete take everything away.
        var refused = await h.Vireo("net", "stop", "iso");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("two", refused.Stderr);
        await h.VireoOk("destroy", "two");
        await h.VireoOk("undefine", "two");
        await h.VireoOk("net", "delete", "iso");
        Assert.Null(await LinkAsync(h, "vireo-iso"));
        Assert.DoesNotContain("10.77.0.0/24", (await h.Namespace!.ExecOkAsync("nft", "list", "ruleset")).Stdout);
        Assert.False(Directory.Exists(Path.Combine(h.StateDir, "networks", "iso")));
    }

    [Fact]
    public async Task A_nic_hot_plugged_into_a_running_vm_gets_a_lease_toggles_its_link_and_unplugs_live()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("hot");
        await h.WaitForSerialAsync("hot", "VIREO-NET eth0");

        var attached = await h.VireoOk("attach-interface", "hot", "--network", "network=default");
        Assert.Contains("hot-plugged", attached.Stdout);
        // The guest sees eth1 and asks for a lease on it; Vireo's dnsmasq answers.
        var answer = await h.VireoWithInput("ip link set eth1 up && udhcpc -i eth1 -n -q -t 5 -s /usr/share/udhcpc/default.script\n", "console", "hot", "--idle", "8");
        Assert.Matches(@"VIREO-NET eth1 \S+ 192\.168\.122\.\d+/24", answer.Stdout + await h.WaitForSerialAsync("hot", "VIREO-NET eth1"));

        var info = await h.VireoOk("info", "hot", "-o", "json");
        using var doc = JsonDocument.Parse(info.Stdout);
        var nics = doc.RootElement.GetProperty("spec").GetProperty("nics");
        Assert.Equal(2, nics.GetArrayLength());
        var mac = nics[1].GetProperty("mac").GetString()!;
        Assert.Equal(2, (await h.Namespace!.ExecOkAsync("ip", "-o", "link", "show", "master", "vireo-default")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // Its virtual cable, live: the guest sees carrier go away and come back.
        await h.VireoOk("domif-setlink", "hot", mac, "down");
        Assert.Contains("carrier=0", (await h.VireoWithInput("echo carrier=$(cat /sys/class/net/eth1/carrier)\n", "console", "hot")).Stdout);
        await h.VireoOk("domif-setlink", "hot", mac, "up");
        Assert.Contains("carrier=1", (await h.VireoWithInput("echo carrier=$(cat /sys/class/net/eth1/carrier)\n", "console", "hot")).Stdout);

        // Live unplug: the guest releases the device, its tap goes, the spec forgets it.
        await h.VireoOk("detach-interface", "hot", "--mac", mac);
        for (var i = 0; i < 50 && (await h.Namespace.ExecOkAsync("ip", "-o", "link", "show", "master", "vireo-default")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1; i++)
            await Task.Delay(100);
        Assert.Single((await h.Namespace.ExecOkAsync("ip", "-o", "link", "show", "master", "vireo-default")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("count-0-eth1", (await h.VireoWithInput("echo count-$(ls /sys/class/net | grep -c eth1)-eth1\n", "console", "hot")).Stdout);
        using (var after = JsonDocument.Parse((await h.VireoOk("info", "hot", "-o", "json")).Stdout))
            Assert.Equal(1, after.RootElement.GetProperty("spec").GetProperty("nics").GetArrayLength());

        // A second plug after an unplug works (ids follow MACs, not positions), and a stop leaves no tap behind.
        await h.VireoOk("attach-interface", "hot", "--network", "network=default");
        await h.VireoOk("destroy", "hot");
        Assert.Equal("", (await h.Namespace.ExecOkAsync("ip", "-o", "link", "show", "master", "vireo-default")).Stdout.Trim());
        var bad = await h.Vireo("attach-interface", "hot", "--network", "network=nope");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("nic.network", bad.Stderr);
    }

    [Fact]
    public async Task A_clean_vireod_stop_leaves_no_bridge_dnsmasq_or_rule_behind_and_a_start_brings_them_back()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("net", "create", "idle", "--subnet", "10.88.0.0/24");
        Assert.NotNull(await LinkAsync(h, "vireo-idle"));

        await h.StopDaemonAsync();
        Assert.Null(await LinkAsync(h, "vireo-idle"));
        Assert.Null(await LinkAsync(h, "vireo-default"));
        Assert.Empty(h.Namespace!.Pids());
        Assert.DoesNotContain("table ip vireo", (await h.Namespace.ExecOkAsync("nft", "list", "tables")).Stdout);

        await h.StartDaemonAsync();
        Assert.NotNull(await LinkAsync(h, "vireo-idle"));
        Assert.Contains("10.88.0.0/24", (await h.Namespace.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout);
    }

    [Fact]
    public async Task Doctor_names_a_foreign_forward_drop_policy_and_net_start_repairs_it()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var healthy = await h.Vireo("net", "doctor");
        Assert.Equal(0, healthy.ExitCode);

        // What Docker or `iptables -P FORWARD DROP` does, in a table of another program.
        var ns = h.Namespace!;
        await ns.ExecOkAsync("nft", "add", "table", "inet", "otherfw");
        await ns.ExecOkAsync("nft", "add", "chain", "inet", "otherfw", "forward_drop", "{ type filter hook forward priority 0; policy drop; }");
        var broken = await h.Vireo("net", "doctor");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("otherfw", broken.Stdout);
        Assert.Contains("policy drop", broken.Stdout);

        await h.VireoOk("net", "start", "default");
        var repaired = await h.Vireo("net", "doctor", "-o", "json");
        Assert.Equal(0, repaired.ExitCode);
        Assert.Contains("vireo:default", (await ns.ExecOkAsync("nft", "list", "table", "inet", "otherfw")).Stdout);
    }

    [Fact]
    public async Task Bad_network_input_is_refused_with_the_field_and_changes_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var before = (await h.VireoOk("net", "list", "-o", "json")).Stdout;
        var links = (await h.Namespace!.ExecOkAsync("ip", "-o", "link")).Stdout;

        var overlap = await h.Vireo("net", "create", "lab", "--subnet", "192.168.122.128/25");
        Assert.Equal(2, overlap.ExitCode);
        Assert.Contains("subnet", overlap.Stderr);
        Assert.Contains("overlaps network \"default\"", overlap.Stderr);

        var cidr = await h.Vireo("net", "create", "lab", "--subnet", "10.0.0.0/33");
        Assert.Equal(2, cidr.ExitCode);
        Assert.Contains("10.0.0.0/33", cidr.Stderr);

        var noBridge = await h.Vireo("net", "create", "lan", "--mode", "bridge", "--bridge", "br9");
        Assert.Equal(2, noBridge.ExitCode);
        Assert.Contains("br9", noBridge.Stderr);
        Assert.Contains("does not exist", noBridge.Stderr);

        var duplicate = await h.Vireo("net", "create", "default");
        Assert.Equal(4, duplicate.ExitCode);

        Assert.Equal(before, (await h.VireoOk("net", "list", "-o", "json")).Stdout);
        Assert.Equal(links, (await h.Namespace.ExecOkAsync("ip", "-o", "link")).Stdout);

        // Forwards: a second forward of the same port, and a VM with no NIC on the network.
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "web", "--image", "tiny", "--memory", "128");
        await h.VireoOk("create", "--name", "off", "--image", "tiny", "--memory", "128", "--network", "none");
        await h.VireoOk("net", "forward", "add", "default", "--host-port", "8080", "--to", "web:80");
        var again = await h.Vireo("net", "forward", "add", "default", "--host-port", "8080", "--to", "web:81");
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("already forwarded", again.Stderr);
        var noNic = await h.Vireo("net", "forward", "add", "default", "--host-port", "8081", "--to", "off:80");
        Assert.Equal(2, noNic.ExitCode);
        Assert.Contains("has no NIC on network", noNic.Stderr);
        Assert.Single(JsonDocument.Parse((await h.VireoOk("net", "forward", "list", "-o", "json")).Stdout).RootElement.EnumerateArray());

        var inUse = await h.Vireo("net", "delete", "default");
        Assert.Equal(4, inUse.ExitCode);
        Assert.Contains("web", inUse.Stderr);
        var unknownNet = await h.Vireo("create", "--name", "lost", "--image", "tiny", "--memory", "128", "--network", "network=nope");
        Assert.Equal(2, unknownNet.ExitCode);
        Assert.Contains("nics[0].network", unknownNet.Stderr);
    }

    private static async Task<string?> LinkAsync(VireoHarness h, string link)
    {
        var result = await h.Namespace!.ExecAsync("ip", "link", "show", link);
        return result.ExitCode == 0 ? result.Stdout : null;
    }
}

using System.Diagnostics;
using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// Real connections through port forwards: a "router" namespace (the host: bridge 192.168.161.1/24, uplink
/// 198.51.100.2/24), a "guest" namespace on the bridge serving a page on port 80, and a "wan" namespace (198.51.100.1,
/// the LAN). The host reaches its forwards on 127.0.0.1 and its own addresses, the LAN on the uplink address.
/// </summary>
public sealed class ForwardTrafficTests : IAsyncLifetime
{
    private const string Page = "GUEST-PAGE";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly FirewallNetwork Network = new("fwdnet", "vbr-fwd", "192.168.161.0/24", Masquerade: true);
    private TestNamespace _router = null!, _guest = null!, _wan = null!;
    private readonly List<Process> _processes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-fwd-").FullName;

    public async Task InitializeAsync()
    {
        _router = await TestNamespace.CreateAsync();
        _guest = await TestNamespace.CreateAsync();
        _wan = await TestNamespace.CreateAsync();
        await new NetLinks(_router.Runner).EnsureBridgeAsync("vbr-fwd", "192.168.161.1/24", Ct);
        await _router.RunOkAsync("ip", "link", "add", "vh-guest", "type", "veth", "peer", "name", "eth0", "netns", _guest.Name);
        await _router.RunOkAsync("ip", "link", "set", "vh-guest", "master", "vbr-fwd", "up");
        await _router.RunOkAsync("ip", "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", _wan.Name);
        await _router.RunOkAsync("ip", "addr", "add", "198.51.100.2/24", "dev", "uplink");
        await _router.RunOkAsync("ip", "link", "set", "uplink", "up");
        await _router.RunOkAsync("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        await _guest.RunOkAsync("ip", "addr", "add", "192.168.161.10/24", "dev", "eth0");
        await _guest.RunOkAsync("ip", "link", "set", "eth0", "up");
        await _guest.RunOkAsync("ip", "route", "add", "default", "via", "192.168.161.1");
        await _wan.RunOkAsync("ip", "addr", "add", "198.51.100.1/24", "dev", "eth0");
        await _wan.RunOkAsync("ip", "link", "set", "eth0", "up");
        var www = Path.Combine(_dir, "www");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), Page + "\n");
        Background(_guest, "busybox", "httpd", "-f", "-p", "80", "-h", www);
        for (var i = 0; i < 50 && await FetchAsync(_guest, "http://192.168.161.10/") is null; i++)
            await Task.Delay(100);
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { p.Kill(); await p.WaitForExitAsync(); }
            catch (InvalidOperationException) { }
        }
        await _wan.DisposeAsync();
        await _guest.DisposeAsync();
        await _router.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task AForwardOnEveryAddress_AnswersOnLoopback_OnTheHostsOwnAddresses_AndFromTheLan_AndNoneAfterItIsRemoved()
    {
        var firewall = new NftFirewall(_router.Runner, "vireotest_fwd");
        var forward = new FirewallForward("fwdnet", "tcp", null, 8080, "192.168.161.10", 80, "vbr-fwd", "192.168.161.0/24");

        await firewall.ApplyAsync(new([Network], [forward]), Ct);
        var answers = await AnswersAsync(8080);
        var localnetOn = await RouteLocalnetAsync();
        await firewall.ApplyAsync(new([Network], []), Ct);
        var afterRemoval = await AnswersAsync(8080);
        var localnetAfter = await RouteLocalnetAsync();

        Assert.Equal("loopback=yes host-uplink=yes host-bridge=yes lan=yes", answers);
        Assert.Equal("1", localnetOn);
        Assert.Equal("loopback=no host-uplink=no host-bridge=no lan=no", afterRemoval);
        Assert.Equal("0", localnetAfter);
    }

    [Fact]
    public async Task AForwardBoundToAnAddress_AnswersOnlyThere_FromTheHostAndFromOutside()
    {
        var firewall = new NftFirewall(_router.Runner, "vireotest_fwd");
        await firewall.ApplyAsync(new([Network],
        [
            new("fwdnet", "tcp", "198.51.100.2", 8081, "192.168.161.10", 80, "vbr-fwd", "192.168.161.0/24"),
            new("fwdnet", "tcp", "127.0.0.1", 8082, "192.168.161.10", 80, "vbr-fwd", "192.168.161.0/24"),
        ]), Ct);

        Assert.Equal("loopback=no host-uplink=yes host-bridge=no lan=yes", await AnswersAsync(8081));
        Assert.Equal("loopback=yes host-uplink=no host-bridge=no lan=no", await AnswersAsync(8082));
        Assert.Equal("1", await RouteLocalnetAsync());

        // Only a public address left: the host never needs 127.0.0.1 routed through the bridge.
        await firewall.ApplyAsync(new([Network],
            [new("fwdnet", "tcp", "198.51.100.2", 8081, "192.168.161.10", 80, "vbr-fwd", "192.168.161.0/24")]), Ct);
        Assert.Equal("0", await RouteLocalnetAsync());
        Assert.Equal("loopback=no host-uplink=yes host-bridge=no lan=yes", await AnswersAsync(8081));
    }

    [Fact]
    public async Task WhileRouteLocalnetIsOn_AGuestStillCannotReachTheHostsLoopbackServices()
    {
        var firewall = new NftFirewall(_router.Runner, "vireotest_fwd");
        await firewall.ApplyAsync(new([Network], [new("fwdnet", "tcp", null, 8080, "192.168.161.10", 80, "vbr-fwd", "192.168.161.0/24")]), Ct);
        Assert.Equal("1", await RouteLocalnetAsync());
        // A service of the host that listens on 127.0.0.1 only, and a guest that routes 127.0.0.0/8 to the host.
        var received = Path.Combine(_dir, "received");
        Background(_router, "socat", "-u", "UDP-RECV:9999,bind=127.0.0.1", $"OPEN:{received},creat,append");
        await _guest.RunOkAsync("ip", "route", "del", "local", "127.0.0.1", "dev", "lo", "table", "local");
        await _guest.RunOkAsync("ip", "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local");
        await _guest.RunOkAsync("ip", "route", "add", "127.0.0.0/8", "via", "192.168.161.1", "dev", "eth0");
        await Task.Delay(300);

        var guarded = await SendFromGuestAsync(received, "with-guard");
        // Proof that the test can see such a packet: without the table's guard chain it is delivered.
        await _router.RunOkAsync("nft", "delete", "chain", "ip", "vireotest_fwd", "localnet_guard");
        var unguarded = await SendFromGuestAsync(received, "without-guard");

        Assert.DoesNotContain("with-guard", guarded);
        Assert.Contains("without-guard", unguarded);
    }

    private async Task<string> SendFromGuestAsync(string file, string text)
    {
        var datagram = Path.Combine(_dir, text);
        await File.WriteAllTextAsync(datagram, text + "\n");
        await _guest.RunOkAsync("socat", "-u", $"OPEN:{datagram}", "UDP-SENDTO:127.0.0.1:9999");
        await Task.Delay(500);
        return File.Exists(file) ? await File.ReadAllTextAsync(file) : "";
    }

    /// <summary>Whether the forwarded port answers from the host on 127.0.0.1, its uplink and bridge addresses, and from the LAN.</summary>
    private async Task<string> AnswersAsync(int port)
    {
        static string Yes(string? page) => page?.Contains(Page, StringComparison.Ordinal) == true ? "yes" : "no";
        return $"loopback={Yes(await FetchAsync(_router, $"http://127.0.0.1:{port}/"))} " +
               $"host-uplink={Yes(await FetchAsync(_router, $"http://198.51.100.2:{port}/"))} " +
               $"host-bridge={Yes(await FetchAsync(_router, $"http://192.168.161.1:{port}/"))} " +
               $"lan={Yes(await FetchAsync(_wan, $"http://198.51.100.2:{port}/"))}";
    }

    private static async Task<string?> FetchAsync(TestNamespace ns, string url)
    {
        var r = await ns.Runner.RunAsync("curl", ["-s", "-m", "3", url], TimeSpan.FromSeconds(10), Ct);
        return r.Succeeded ? r.Stdout : null;
    }

    private async Task<string> RouteLocalnetAsync() =>
        (await _router.RunOkAsync("sysctl", "-n", "net.ipv4.conf.vbr-fwd.route_localnet")).Trim();

    private void Background(TestNamespace ns, string program, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "netns", "exec", ns.Name, program }.Concat(args))
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }
}

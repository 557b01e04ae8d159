using System.Diagnostics;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// The brief's two-host layout, built of network namespaces: a LAN (namespace <see cref="Lan"/>, a bridge with the
/// router/DHCP/DNS address 198.51.100.1 served by its own dnsmasq), a second machine <see cref="Pc"/>
/// (198.51.100.20, serving a page on port 8080) and the KVM host <see cref="Host"/> whose NIC <c>ens33</c>
/// (198.51.100.10, default route via .1) sits on the LAN. Documentation addresses only; disposal removes all.
/// </summary>
internal sealed class LanLab : IAsyncDisposable
{
    public const string Router = "198.51.100.1";
    public const string PcAddress = "198.51.100.20";
    public const string HostAddress = "198.51.100.10";
    public const string LanServerName = "lan-server.test";
    public const string PcPage = "LAN-SERVER-PAGE";

    private readonly List<NetNamespace> _namespaces = [];
    private readonly string _dir;

    private LanLab(string id)
    {
        Id = id;
        _dir = Path.Combine("/tmp", $"vlab-{id}");
        Directory.CreateDirectory(_dir);
    }

    public string Id { get; }
    public NetNamespace Lan { get; private set; } = null!;
    public NetNamespace Pc { get; private set; } = null!;
    public NetNamespace Host { get; private set; } = null!;

    public static async Task<LanLab> CreateAsync()
    {
        var lab = new LanLab(Guid.NewGuid().ToString("N")[..6]);
        try
        {
            await lab.BuildAsync();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        Lan = await Add($"vl-{Id}-lan");
        Pc = await Add($"vl-{Id}-pc");
        Host = await Add($"vl-{Id}-host");

        await Lan.Ip("link", "add", "lanbr", "type", "bridge");
        await Lan.Ip("addr", "add", $"{Router}/24", "dev", "lanbr");
        await Lan.Ip("link", "set", "lanbr", "up");
        // The host's NIC is called ens33, as in the brief.
        await Lan.Ip("link", "add", "hostport", "type", "veth", "peer", "name", "ens33", "netns", Host.Name);
        await Lan.Ip("link", "add", "pcport", "type", "veth", "peer", "name", "eth0", "netns", Pc.Name);
        foreach (var port in new[] { "hostport", "pcport" })
        {
            await Lan.Ip("link", "set", port, "master", "lanbr");
            await Lan.Ip("link", "set", port, "up");
        }

        await Pc.Ip("addr", "add", $"{PcAddress}/24", "dev", "eth0");
        await Pc.Ip("link", "set", "eth0", "up");
        await Pc.Ip("route", "add", "default", "via", Router);

        await Host.Ip("addr", "add", $"{HostAddress}/24", "dev", "ens33");
        await Host.Ip("link", "set", "ens33", "up");
        await Host.Ip("route", "add", "default", "via", Router);
        Host.WriteResolvConf(Router);

        // The LAN's own DHCP and DNS server (the office router), in the foreground so that its PID is ours.
        Background(Lan, "dnsmasq", "-k", "--conf-file=/dev/null", "--interface=lanbr", "--bind-interfaces", "--except-interface=lo",
            "--dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,1h", $"--dhcp-option=3,{Router}", $"--dhcp-option=6,{Router}",
            $"--address=/{LanServerName}/{PcAddress}", "--no-resolv", "--no-hosts", $"--dhcp-leasefile={Path.Combine(_dir, "lan.leases")}",
            "--pid-file=");
        var www = Path.Combine(_dir, "www");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), PcPage + "\n");
        Background(Pc, "busybox", "httpd", "-f", "-p", "8080", "-h", www);
        await VireoHarness.WaitUntilAsync(() => File.Exists(Path.Combine(_dir, "lan.leases")) || Lan.Pids().Count > 0, 10);
    }

    /// <summary>Fetches a URL from the second machine; null when it cannot connect.</summary>
    public async Task<string?> FetchFromPcAsync(string url, int timeoutSeconds = 4)
    {
        // busybox-static's wget crashes with -T, so the deadline is the runner's.
        try
        {
            var result = await ProcessRunner.RunAsync("ip", ["netns", "exec", Pc.Name, "busybox", "wget", "-q", "-O-", url], timeout: TimeSpan.FromSeconds(timeoutSeconds));
            return result.ExitCode == 0 ? result.Stdout : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task<NetNamespace> Add(string name)
    {
        var ns = await NetNamespace.CreateAsync(name);
        _namespaces.Add(ns);
        return ns;
    }

    private static void Background(NetNamespace ns, string file, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "netns", "exec", ns.Name, file }.Concat(args))
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Ended by PID when the namespace is disposed (every process inside it is ours).
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
            await ns.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

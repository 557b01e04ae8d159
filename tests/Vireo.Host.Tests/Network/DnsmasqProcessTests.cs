using Vireo.Host.Network;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// Real dnsmasq on a bridge inside a throwaway namespace, and a real DHCP client (busybox udhcpc) in a second namespace
/// wired to the bridge by a veth pair. Every dnsmasq is stopped before its namespace is deleted.
/// </summary>
public sealed class DnsmasqProcessTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _state = Directory.CreateTempSubdirectory("vireo-dnsmasq-").FullName;
    private readonly List<string> _dirs = [];
    private TestNamespace _router = null!;
    private TestNamespace? _client;
    private DnsmasqProcess _dnsmasq = null!;

    public async Task InitializeAsync()
    {
        _router = await TestNamespace.CreateAsync();
        _dnsmasq = new DnsmasqProcess(_router.Runner);
        await new NetLinks(_router.Runner).EnsureBridgeAsync("vbr-dhcp", "192.168.150.1/24", Ct);
    }

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var dir in _dirs) await _dnsmasq.StopAsync(dir, Ct);
        }
        finally
        {
            if (_client is not null) await _client.DisposeAsync();
            await _router.DisposeAsync();
            Directory.Delete(_state, recursive: true);
        }
    }

    private DnsmasqSettings Settings(string name)
    {
        var dir = Path.Combine(_state, name);
        _dirs.Add(dir);
        return new DnsmasqSettings(name, "vbr-dhcp", "192.168.150.1", "192.168.150.100", "192.168.150.120", 24, "test.internal", dir, Isolated: false);
    }

    // A daemon that ended may linger as a zombie until whoever inherited it (init or a subreaper) reaps it.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Start_RunsADaemonFoundByItsPidFile_AndStartingAgainKeepsIt()
    {
        var s = Settings("net1");

        await _dnsmasq.StartAsync(s, Ct);
        var pid = DnsmasqProcess.RunningPid(s.Directory);
        await _dnsmasq.StartAsync(s, Ct);

        Assert.NotNull(pid);
        Assert.Equal(pid, DnsmasqProcess.RunningPid(s.Directory));
        Assert.Equal(DnsmasqConfig.Render(s), File.ReadAllText(s.ConfigFile));
    }

    [Fact]
    public async Task Start_WithAChangedConfig_RestartsIt()
    {
        var s = Settings("net1");
        await _dnsmasq.StartAsync(s, Ct);
        var before = DnsmasqProcess.RunningPid(s.Directory);

        await _dnsmasq.StartAsync(s with { Domain = "other.internal" }, Ct);

        var after = DnsmasqProcess.RunningPid(s.Directory);
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.False(IsRunning(before!.Value), "the old dnsmasq is gone");
    }

    [Fact]
    public async Task Stop_EndsTheDaemon_AndStoppingAgainIsFine()
    {
        var s = Settings("net1");
        await _dnsmasq.StartAsync(s, Ct);
        var pid = DnsmasqProcess.RunningPid(s.Directory)!.Value;

        await _dnsmasq.StopAsync(s.Directory, Ct);
        await _dnsmasq.StopAsync(s.Directory, Ct);

        Assert.Null(DnsmasqProcess.RunningPid(s.Directory));
        Assert.False(IsRunning(pid));
    }

    [Fact]
    public async Task RunningPid_IgnoresAPidFileThatNamesAnotherProcess()
    {
        var s = Settings("net1");
        Directory.CreateDirectory(s.Directory);
        // Our own test process: alive, but not dnsmasq with this config, so it must never be signalled.
        File.WriteAllText(DnsmasqPaths.Pid(s.Directory), $"{Environment.ProcessId}\n");

        Assert.Null(DnsmasqProcess.RunningPid(s.Directory));
        await _dnsmasq.StopAsync(s.Directory, Ct);
    }

    [Fact]
    public async Task Start_FailsWithDnsmasqsOwnMessage_WhenTheDhcpPortIsTaken()
    {
        await _dnsmasq.StartAsync(Settings("net1"), Ct);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _dnsmasq.StartAsync(Settings("net2"), Ct));

        Assert.Contains("dnsmasq for network net2 did not start", e.Message);
        Assert.Contains("in use", e.Message);
    }

    [Fact]
    public async Task AClientOnTheBridge_GetsALease_WithItsReservedAddress_AfterReload()
    {
        var s = Settings("net1");
        await _dnsmasq.StartAsync(s, Ct);
        _client = await TestNamespace.CreateAsync();
        await _router.RunOkAsync("ip", "link", "add", "vh-dhcp", "type", "veth", "peer", "name", "vc-dhcp", "netns", _client.Name);
        await new NetLinks(_router.Runner).CreateTapAsync("vtap-dhcp", "vbr-dhcp", false, Ct); // a port like a VM's
        await _router.RunOkAsync("ip", "link", "set", "vh-dhcp", "master", "vbr-dhcp", "up");
        await _client.RunOkAsync("ip", "link", "set", "vc-dhcp", "address", "52:54:00:5e:00:42", "up");
        DnsmasqProcess.WriteReservations(s.Directory, [("52:54:00:5e:00:42", "192.168.150.42", "client42")]);
        await _dnsmasq.ReloadAsync(s.Directory);

        // -n: fail instead of going to background; -q: exit once bound; -s /bin/true: do not configure the interface.
        var started = DateTime.UtcNow;
        await _client.RunOkAsync("busybox", "udhcpc", "-i", "vc-dhcp", "-n", "-q", "-t", "10", "-T", "1", "-s", "/bin/true",
            "-x", "hostname:client42");
        var elapsed = DateTime.UtcNow - started;

        var lease = Assert.Single(DnsmasqLeases.Read(s.LeaseFile));
        Assert.Equal("52:54:00:5e:00:42", lease.Mac);
        Assert.Equal("192.168.150.42", lease.Address);
        Assert.Equal("client42", lease.Hostname);
        Assert.InRange(lease.Expires, DateTimeOffset.UtcNow.AddMinutes(50), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"DHCP took {elapsed.TotalSeconds:0.0} s");
    }
}

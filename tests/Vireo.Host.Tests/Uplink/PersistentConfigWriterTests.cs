using Vireo.Host.Uplink.Persistence;

namespace Vireo.Host.Tests.Uplink;

/// <summary>--persist against host trees in temp directories: detection, rendering (golden files), backups, modes.</summary>
public sealed class PersistentConfigWriterTests : IDisposable
{
    private readonly PersistenceTree _tree = new();
    private PersistentConfigWriter Writer => new(_tree.Root, new FixedClock(PersistenceTree.Now));
    private const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public void Dispose() => _tree.Dispose();

    private const string Interfaces = """
        # This file describes the network interfaces available on your system
        source /etc/network/interfaces.d/*

        # The loopback network interface
        auto lo
        iface lo inet loopback

        # The primary network interface
        allow-hotplug ens33
        iface ens33 inet static
        	address 198.51.100.10/24
        	gateway 198.51.100.1
        	dns-nameservers 198.51.100.53
        	dns-search example.test
        	post-up touch /run/ens33-up

        iface ens33 inet6 auto

        """;

    [Fact]
    public async Task Ifupdown_NicBecomesManual_BridgeStanzaGetsAddressesGatewayAndDns_WithBackup_AndBridgeUtilsNote()
    {
        _tree.Write("/etc/network/interfaces", Interfaces);
        _tree.Dir("/etc/network/interfaces.d");
        _tree.Dir("/run/systemd/netif"); // networkd running too: the ifupdown stanza still decides
        Assert.Equal(NetworkConfigSystem.Ifupdown, Writer.Detect("ens33"));

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(), CancellationToken.None);

        Assert.Equal("/etc/network/interfaces", outcome.MainFile);
        PersistenceTree.MatchesGolden("ifupdown", "etc/network/interfaces", _tree.Read("/etc/network/interfaces"));
        PersistenceTree.MatchesGolden("ifupdown", "note.txt", outcome.Note + "\n");
        Assert.Equal([$"/var/backups/vireo/uplink-{PersistenceTree.Stamp}/etc/network/interfaces"], outcome.Backups);
        Assert.Equal(Interfaces, _tree.Read(outcome.Backups[0]));
        Assert.Contains("bridge-utils", outcome.Note);
        Assert.Contains("NOT installed", outcome.Note);
        Assert.Equal(["/etc/network/interfaces"], _tree.Files());
    }

    [Fact]
    public async Task Ifupdown_DhcpNicInInterfacesD_BridgeUsesDhcp_AndNoteSaysBridgeUtilsIsInstalled()
    {
        _tree.Write("/etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n");
        _tree.Write("/etc/network/interfaces.d/ens33", "allow-hotplug ens33\niface ens33 inet dhcp\n");
        _tree.Write("/etc/network/if-pre-up.d/bridge", "#!/bin/sh\n");

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(dhcp: true), CancellationToken.None);

        Assert.Equal("/etc/network/interfaces.d/ens33", outcome.MainFile);
        var text = _tree.Read("/etc/network/interfaces.d/ens33");
        Assert.Contains("iface ens33 inet manual\n", text);
        Assert.Contains("iface br0 inet dhcp\n", text);
        Assert.Contains("    bridge_ports ens33\n", text);
        Assert.DoesNotContain("gateway", text); // the lease brings it
        Assert.Contains("up ip route add 203.0.113.0/24 via 198.51.100.1 dev br0", text);
        Assert.Equal("source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n", _tree.Read("/etc/network/interfaces"));
        Assert.Contains("bridge-utils, which is installed", outcome.Note);
    }

    [Fact]
    public async Task Networkd_WritesNetdevBridgeNetworkAndRewritesTheNicsOwnFileAsAPort()
    {
        const string wired = "[Match]\nName=ens33\n\n[Link]\nRequiredForOnline=yes\n\n[Network]\nAddress=198.51.100.10/24\nGateway=198.51.100.1\nDNS=198.51.100.53\n";
        _tree.Write("/etc/systemd/network/20-wired.network", wired);
        _tree.Dir("/run/systemd/netif");
        Assert.Equal(NetworkConfigSystem.SystemdNetworkd, Writer.Detect("ens33"));

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(), CancellationToken.None);

        Assert.Equal(
            ["/etc/systemd/network/00-vireo-br0.netdev", "/etc/systemd/network/00-vireo-br0.network", "/etc/systemd/network/20-wired.network"],
            _tree.Files());
        foreach (var f in _tree.Files()) PersistenceTree.MatchesGolden("networkd", f, _tree.Read(f));
        PersistenceTree.MatchesGolden("networkd", "note.txt", outcome.Note + "\n");
        Assert.Equal(wired, _tree.Read(Assert.Single(outcome.Backups)));
    }

    [Fact]
    public async Task Networkd_LeavesAFileThatAlsoMatchesOtherNics_AndShadowsItWithAnEarlierPortFile()
    {
        const string wired = "[Match]\nName=en*\n\n[Network]\nDHCP=yes\n";
        _tree.Write("/etc/systemd/network/50-wired.network", wired);
        _tree.Dir("/run/systemd/netif");

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(dhcp: true), CancellationToken.None);

        Assert.Equal(wired, _tree.Read("/etc/systemd/network/50-wired.network"));
        Assert.Empty(outcome.Backups);
        Assert.Equal("# Written by `vireo net bridge-uplink br0 --from ens33 --persist`: br0 carries ens33's LAN connection.\n" +
                     "[Match]\nName=ens33\n\n[Network]\nBridge=br0\n", _tree.Read("/etc/systemd/network/00-vireo-ens33.network"));
        Assert.Contains("DHCP=ipv4\n", _tree.Read("/etc/systemd/network/00-vireo-br0.network"));
    }

    [Fact]
    public async Task NetworkManager_WritesBridgeAndPortKeyfilesWithMode0600_AndTurnsOffAutoconnectOfTheOldProfile()
    {
        const string old = "[connection]\nid=Wired ens33\nuuid=0b8f6ab6-2f43-4fb4-9d3d-3f8a3c3c0001\ntype=ethernet\ninterface-name=ens33\n\n" +
                           "[ethernet]\n\n[ipv4]\nmethod=manual\naddress1=198.51.100.10/24,198.51.100.1\ndns=198.51.100.53;\n\n[ipv6]\nmethod=auto\n";
        _tree.Write("/etc/NetworkManager/system-connections/ens33.nmconnection", old, Mode600);
        _tree.Write("/etc/NetworkManager/NetworkManager.conf", "[main]\nplugins=keyfile\n");
        _tree.Dir("/run/NetworkManager");
        Assert.Equal(NetworkConfigSystem.NetworkManager, Writer.Detect("ens33"));

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(), CancellationToken.None);

        var dir = "/etc/NetworkManager/system-connections";
        Assert.Equal($"{dir}/vireo-br0.nmconnection", outcome.MainFile);
        foreach (var f in new[] { $"{dir}/vireo-br0.nmconnection", $"{dir}/vireo-br0-port-ens33.nmconnection", $"{dir}/ens33.nmconnection" })
        {
            PersistenceTree.MatchesGolden("networkmanager", f, _tree.Read(f));
            Assert.Equal(Mode600, File.GetUnixFileMode(_tree.PathOf(f)));
        }
        PersistenceTree.MatchesGolden("networkmanager", "note.txt", outcome.Note + "\n");
        Assert.Equal(old, _tree.Read(Assert.Single(outcome.Backups)));
        Assert.Equal(Mode600, File.GetUnixFileMode(_tree.PathOf(outcome.Backups[0])));
    }

    [Fact]
    public async Task Unknown_WritesNothing_AndSaysTheBridgeIsLostAtReboot_WithWhatToConfigure()
    {
        _tree.Dir("/etc");
        Assert.Equal(NetworkConfigSystem.Unknown, Writer.Detect("ens33"));

        var outcome = await Writer.WriteAsync(PersistenceTree.Plan(), CancellationToken.None);

        Assert.Null(outcome.MainFile);
        Assert.Empty(outcome.Written);
        Assert.Empty(_tree.Files());
        Assert.False(Directory.Exists(_tree.PathOf("/var")));
        PersistenceTree.MatchesGolden("unknown", "note.txt", outcome.Note + "\n");
        Assert.Contains("LOST AT REBOOT", outcome.Note);
    }

    [Fact]
    public void DescribeAction_NamesTheSystemAndTheFiles_WithoutWritingAnything()
    {
        _tree.Write("/etc/network/interfaces", Interfaces);
        var plan = PersistenceTree.Plan();

        var text = Writer.DescribeAction(plan);

        Assert.StartsWith("ifupdown configures ens33 (/etc/network/interfaces); after the check passes, write /etc/network/interfaces", text);
        Assert.Equal(Interfaces, _tree.Read("/etc/network/interfaces"));
        Assert.False(Directory.Exists(_tree.PathOf("/var")));
    }
}

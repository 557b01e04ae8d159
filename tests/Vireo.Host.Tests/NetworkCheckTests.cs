using Vireo.Contracts;
using Vireo.Host.Os;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class NetworkCheckTests
{
    [Fact]
    public async Task Tun_Passes_WhenTheDeviceOpens()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.NetTun);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("crw------- 10:200, opened read-write", item.Detail);
    }

    [Fact]
    public async Task Tun_FailsWithModprobeFix_WhenMissing()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Remove("net/tun");
        var item = await host.CheckAsync(HostCheckIds.NetTun);
        item.HasStatus(CheckStatus.Fail);
        Assert.StartsWith("modprobe tun", item.Fix);
    }

    [Fact]
    public async Task Tun_Fails_WhenNotACharacterDevice()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Set("net/tun", new DeviceNode(NodeKind.Other));
        var item = await host.CheckAsync(HostCheckIds.NetTun);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("c 10 200", item.Fix);
    }

    [Fact]
    public async Task Tun_Fails_WhenItCannotBeOpened()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Set("net/tun", new DeviceNode(NodeKind.CharDevice, 10, 200, 0x180), "EACCES");
        var item = await host.CheckAsync(HostCheckIds.NetTun);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("Permission denied", item.Detail);
        Assert.Contains("root", item.Fix);
    }

    [Fact]
    public async Task Vhost_Passes_WhenPresent()
    {
        using var host = FixtureHost.Load("intel-kvm");
        (await host.CheckAsync(HostCheckIds.NetVhost)).HasStatus(CheckStatus.Pass);
    }

    [Fact]
    public async Task Vhost_WarnsThatNetworkingStillWorks_WhenAbsent()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.NetVhost);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("networking works", item.Detail);
        Assert.StartsWith("modprobe vhost_net", item.Fix);
    }

    [Fact]
    public async Task Bridge_Passes_WhenLoaded_AndListsBridges()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.NetBridge);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("bridge module loaded; bridges: virbr0", item.Detail);
    }

    [Fact]
    public async Task Bridge_Passes_WhenBuiltIn()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.NetBridge);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("bridge support built in", item.Detail);
    }

    [Theory]
    [InlineData("amd-nested", "5.14.0-427.el9.x86_64")]
    [InlineData("no-qemu", "6.1.0-26-cloud-amd64")]
    public async Task Bridge_Passes_WhenTheModuleFileExistsForTheRunningKernel(string fixture, string release)
    {
        using var host = FixtureHost.Load(fixture);
        var item = await host.CheckAsync(HostCheckIds.NetBridge);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains($"bridge module available for {release}", item.Detail);
    }

    [Fact]
    public async Task Bridge_Passes_WhenModulesBuiltinListsIt()
    {
        using var host = FixtureHost.Load("amd-nested");
        host.Delete("lib/modules/5.14.0-427.el9.x86_64/kernel");
        host.Write("lib/modules/5.14.0-427.el9.x86_64/modules.builtin", "kernel/net/ipv4/tcp_cubic.ko\nkernel/net/bridge/bridge.ko\n");
        var item = await host.CheckAsync(HostCheckIds.NetBridge);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains("built into 5.14.0-427.el9.x86_64", item.Detail);
    }

    [Fact]
    public async Task Bridge_Warns_WhenNoSupportIsFound()
    {
        using var host = FixtureHost.Load("amd-nested");
        host.Delete("lib/modules");
        var item = await host.CheckAsync(HostCheckIds.NetBridge);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("5.14.0-427.el9.x86_64", item.Detail);
        Assert.StartsWith("modprobe bridge", item.Fix);
    }

    [Fact]
    public async Task Nftables_PassesAndCountsTables_AsRoot()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.NetNftables);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal($"nftables 1.0.9 at {host.PathOf("usr/sbin/nft")}; kernel nf_tables answers (2 tables)", item.Detail);
    }

    [Fact]
    public async Task Nftables_WarnsWithoutListing_WhenNotRoot()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Env = host.Env with { IsRoot = false };
        var item = await host.CheckAsync(HostCheckIds.NetNftables);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("needs root", item.Detail);
        Assert.DoesNotContain(host.Commands.Calls, c => c.EndsWith("list tables", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nftables_Fails_WhenTheKernelRefuses()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Commands.Answer("nft", "list tables", 1, "", "Error: Could not process rule: Operation not supported\n");
        var item = await host.CheckAsync(HostCheckIds.NetNftables);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("Operation not supported", item.Detail);
        Assert.Contains("nf_tables", item.Fix);
    }

    [Fact]
    public async Task Nftables_WarnsWithInstallFix_WhenMissing()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Delete("usr/sbin/nft");
        var item = await host.CheckAsync(HostCheckIds.NetNftables);
        item.HasStatus(CheckStatus.Warn);
        Assert.Equal("apt-get install nftables", item.Fix);
    }

    [Fact]
    public async Task Dnsmasq_PassesWithVersion()
    {
        using var host = FixtureHost.Load("amd-nested");
        var item = await host.CheckAsync(HostCheckIds.NetDnsmasq);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal($"{host.PathOf("usr/sbin/dnsmasq")}: dnsmasq 2.85", item.Detail);
    }

    [Fact]
    public async Task Dnsmasq_WarnsWithDnsmasqBaseFix_WhenMissing()
    {
        using var host = FixtureHost.Load("no-qemu");
        var item = await host.CheckAsync(HostCheckIds.NetDnsmasq);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("apt-get install dnsmasq-base", item.Fix);
    }
}

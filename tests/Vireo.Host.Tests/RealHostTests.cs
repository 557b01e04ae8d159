using Vireo.Host.Linux;
using Vireo.Contracts;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

/// <summary>
/// The real machine, no fakes: real /proc, /sys, /dev, real qemu --version, real nft. Asserts what is true on the
/// build machine (Debian 12, QEMU 7.2, no /dev/kvm), so <c>vireo host check</c> exits 0 there.
/// </summary>
public sealed class RealHostTests : IDisposable
{
    private readonly string _stateParent = Directory.CreateTempSubdirectory("vireo-host-real-").FullName;

    public void Dispose() => Directory.Delete(_stateParent, recursive: true);

    private Task<HostCheckReport> RunAsync() =>
        HostChecker.ForThisHost(Path.Combine(_stateParent, "state")).RunAsync(CancellationToken.None);

    [Fact]
    public async Task RealHost_KvmDeviceAndAccel_FollowWhetherDevKvmExists()
    {
        var report = await RunAsync();
        var kvm = report.Checks.Single(c => c.Id == HostCheckIds.KvmDevice);
        if (File.Exists("/dev/kvm") && KvmProbe.IsPvm(KernelModules.Read(HostEnvironment.ForThisHost())))
        {
            // kvm_pvm's /dev/kvm opens but boots no stock kernel: a warning that names PVM, and VMs get TCG.
            kvm.HasStatus(CheckStatus.Warn);
            Assert.Contains("kvm_pvm", kvm.Detail);
            Assert.Contains("TCG", kvm.Detail);
            Assert.Equal("tcg", report.Accel);
        }
        else if (File.Exists("/dev/kvm"))
        {
            // Root can open any existing /dev/kvm whose driver is bound.
            Assert.True(Environment.IsPrivilegedProcess, "this suite runs as root on the build machine");
            kvm.HasStatus(CheckStatus.Pass);
            Assert.Equal("kvm", report.Accel);
        }
        else
        {
            kvm.HasStatus(CheckStatus.Warn);
            Assert.Contains("TCG", kvm.Detail);
            Assert.Contains("/dev/kvm does not exist", kvm.Detail);
            Assert.Equal("tcg", report.Accel);
        }
    }

    [Fact]
    public async Task RealHost_QemuBinary_PassesWithDebian12sQemu72()
    {
        var report = await RunAsync();
        var qemu = report.Checks.Single(c => c.Id == HostCheckIds.QemuBinary);
        qemu.HasStatus(CheckStatus.Pass);
        Assert.Contains("QEMU emulator version 7.2", qemu.Detail);
        Assert.Contains("qemu-system-x86_64", qemu.Detail);
        var img = report.Checks.Single(c => c.Id == HostCheckIds.QemuImg);
        img.HasStatus(CheckStatus.Pass);
        Assert.Contains("qemu-img version 7.2", img.Detail);
    }

    [Fact]
    public async Task RealHost_HasNoFailures_SoHostCheckExitsZero()
    {
        var report = await RunAsync();
        Assert.True(report.Failures == 0, HostCheckText.Format(report));
        Assert.Equal(HostCheckIds.InOrder, report.Checks.Select(c => c.Id));
        foreach (var item in report.Checks) item.HasStatus(item.Status);
        // The state directory was only probed, not created.
        Assert.False(Directory.Exists(Path.Combine(_stateParent, "state")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_stateParent));
    }

    [Fact]
    public async Task RealHost_NetworkingTools_ArePresent()
    {
        var report = await RunAsync();
        report.Checks.Single(c => c.Id == HostCheckIds.NetTun).HasStatus(CheckStatus.Pass);
        report.Checks.Single(c => c.Id == HostCheckIds.NetDnsmasq).HasStatus(CheckStatus.Pass);
        report.Checks.Single(c => c.Id == HostCheckIds.NetNftables).HasStatus(CheckStatus.Pass);
        report.Checks.Single(c => c.Id == HostCheckIds.NetBridge).HasStatus(CheckStatus.Pass);
    }
}

using Vireo.Host.Linux;
using Vireo.Host.Os;
using Vireo.Contracts;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

/// <summary>
/// The real machine, no fakes: real /proc, /sys, /dev, real qemu --version, real nft. Asserts what is true on the
/// build machine (Debian 12 with QEMU 7.2, or Debian 13 with QEMU 10.0 under tests/package/in-root.sh; no /dev/kvm), so <c>vireo host check</c> exits 0 there.
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
    public async Task RealHost_QemuBinary_Passes_AndReportsTheInstalledQemusOwnVersion()
    {
        // Whatever QEMU this host has (7.2 on Debian 12, 10.0 on Debian 13): the check reports the binaries' own
        // banners, probed here the same way, and passes for any version from Debian 12's 7.2 on.
        var system = ToolVersion.Parse(Banner("qemu-system-x86_64"))!;
        var qemuImg = ToolVersion.Parse(Banner("qemu-img"))!;
        Assert.True(system.Version >= new Version(7, 2), system.Text);
        var report = await RunAsync();
        var qemu = report.Checks.Single(c => c.Id == HostCheckIds.QemuBinary);
        qemu.HasStatus(CheckStatus.Pass);
        Assert.Contains($"QEMU emulator version {system.Text}", qemu.Detail);
        Assert.Contains("qemu-system-x86_64", qemu.Detail);
        var img = report.Checks.Single(c => c.Id == HostCheckIds.QemuImg);
        img.HasStatus(CheckStatus.Pass);
        Assert.Contains($"qemu-img version {qemuImg.Text}", img.Detail);
    }

    private static string Banner(string program)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, "--version") { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text;
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

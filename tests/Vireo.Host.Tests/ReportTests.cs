using Vireo.Contracts;
using Vireo.Host.Os;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class ReportTests
{
    [Theory]
    [InlineData("intel-kvm")]
    [InlineData("amd-nested")]
    [InlineData("no-kvm")]
    [InlineData("no-qemu")]
    public async Task Report_ListsEveryCheckOnce_InTheDocumentedOrder(string fixture)
    {
        using var host = FixtureHost.Load(fixture);
        var report = await host.RunAsync();
        Assert.Equal(HostCheckIds.InOrder, report.Checks.Select(c => c.Id));
        Assert.Equal(
            ["cpu.virt", "kvm.modules", "kvm.device", "kvm.nested", "qemu.binary", "qemu.img", "net.tun", "net.vhost",
             "net.bridge", "net.nftables", "net.dnsmasq", "cgroup", "iommu", "host.memory", "host.disk", "state.dir",
             "firmware.uefi"],
            HostCheckIds.InOrder);
        foreach (var item in report.Checks) item.HasStatus(item.Status); // fix present exactly on non-pass
    }

    [Theory]
    [InlineData("intel-kvm", "kvm", 16, 1, 0)]
    [InlineData("amd-nested", "kvm", 16, 1, 0)]
    [InlineData("no-kvm", "tcg", 9, 8, 0)]
    [InlineData("no-qemu", "tcg", 9, 6, 2)]
    public async Task Report_CountsAndAccelerator_MatchTheFixtureHost(string fixture, string accel, int pass, int warn, int fail)
    {
        using var host = FixtureHost.Load(fixture);
        var report = await host.RunAsync();
        var summary = HostCheckText.Format(report);
        Assert.True(accel == report.Accel, summary);
        Assert.True(pass == report.Passed, summary);
        Assert.True(warn == report.Warnings, summary);
        Assert.True(fail == report.Failures, summary);
    }

    [Fact]
    public async Task NoKvmFixture_WarnsExactlyAboutWhatThisBuildMachineLacks()
    {
        using var host = FixtureHost.Load("no-kvm");
        var report = await host.RunAsync();
        Assert.Equal(["cpu.virt", "kvm.modules", "kvm.device", "kvm.nested", "net.vhost", "cgroup", "iommu", "firmware.uefi"],
            report.Checks.Where(c => c.Status == CheckStatus.Warn).Select(c => c.Id));
    }

    [Fact]
    public async Task NoQemuFixture_FailsOnlyOnTheMissingQemuTools()
    {
        using var host = FixtureHost.Load("no-qemu");
        var report = await host.RunAsync();
        Assert.Equal(["qemu.binary", "qemu.img"], report.Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => c.Id));
    }

    [Fact]
    public async Task CheckThatThrows_BecomesAFailedItem_AndTheOthersStillRun()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Env = host.Env with { Commands = new ThrowingCommandRunner() };
        var report = await host.RunAsync();

        var qemu = report.Checks.Single(c => c.Id == HostCheckIds.QemuBinary);
        qemu.HasStatus(CheckStatus.Fail);
        Assert.Contains("the check itself failed: InvalidOperationException", qemu.Detail);
        Assert.Equal(17, report.Checks.Count);
        report.Checks.Single(c => c.Id == HostCheckIds.KvmDevice).HasStatus(CheckStatus.Pass);
    }

    [Fact]
    public async Task Cancellation_IsNotSwallowedIntoTheReport()
    {
        using var host = FixtureHost.Load("intel-kvm");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new HostChecker(host.Env).RunAsync(cts.Token));
    }

    /// <summary>A FAKE runner that fails the way a bug would, to prove one broken check cannot sink the report.</summary>
    private sealed class ThrowingCommandRunner : ICommandRunner
    {
        public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct) =>
            throw new InvalidOperationException("simulated bug");
    }
}

using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class KvmProbeTests
{
    [Fact]
    public void Probe_ChoosesKvm_WhenDevKvmOpens()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var status = KvmProbe.Probe(host.Env);
        Assert.True(status.Usable);
        Assert.Equal("kvm", status.Accel);
        Assert.Null(status.TcgWarning);
        Assert.Null(status.Fix);
        Assert.Equal(Path.Combine(host.Env.DevRoot, "kvm"), status.DevicePath);
    }

    [Fact]
    public void Probe_ChoosesTcg_AndExplainsWhy_WhenDevKvmIsMissing()
    {
        using var host = FixtureHost.Load("no-kvm");
        var status = KvmProbe.Probe(host.Env);
        Assert.False(status.Usable);
        Assert.Equal("tcg", status.Accel);
        Assert.Contains("hypervisor does not expose VT-x/AMD-V", status.Detail);
        Assert.EndsWith(KvmProbe.TcgConsequence, status.TcgWarning);
        Assert.NotNull(status.Fix);
    }

    [Fact]
    public void Probe_ExplainsMissingCpuSupport_OnBareMetal()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Remove("kvm");
        host.Write("proc/cpuinfo", File.ReadAllText(host.PathOf("proc/cpuinfo")).Replace(" vmx", ""));
        var status = KvmProbe.Probe(host.Env);
        Assert.Contains("the CPU reports no VT-x/AMD-V", status.Detail);
        Assert.Contains("firmware", status.Fix);
    }

    [Fact]
    public void ProbeThisHost_AgreesWithWhetherDevKvmExists()
    {
        var status = KvmProbe.ProbeThisHost();
        // Root opens any /dev/kvm that exists with a bound driver; without the node it must be TCG.
        Assert.Equal(File.Exists("/dev/kvm") && Environment.IsPrivilegedProcess, status.Usable);
        Assert.Equal("/dev/kvm", status.DevicePath);
        if (!status.Usable) Assert.Contains("TCG", status.TcgWarning);
    }
}

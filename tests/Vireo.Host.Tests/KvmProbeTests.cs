using Vireo.Host.Linux;
using Vireo.Host.Os;
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

    /// <summary>
    /// The development VM's tree (kvm and kvm_pvm built in, no vmx/svm) plus the /dev/kvm that a Firecracker machine
    /// with the same kernel had: it opened, and Debian's kernel hung on it (PVH entry: no output; bzImage: stopped in
    /// the decompressor).
    /// </summary>
    internal static FixtureHost PvmHost()
    {
        var host = FixtureHost.Load("no-kvm");
        host.Devices.Set("kvm", new DeviceNode(NodeKind.CharDevice, 10, 232, 0x180));
        return host;
    }

    [Fact]
    public void Probe_ChoosesTcg_ButAllowsKvmOnRequest_WhenDevKvmIsKvmPvm()
    {
        using var host = PvmHost();
        var status = KvmProbe.Probe(host.Env);
        Assert.False(status.Usable);
        Assert.True(status.PvmOnly);
        Assert.True(status.Requestable);
        Assert.Equal("tcg", status.Accel);
        Assert.Contains("provided by kvm_pvm", status.Detail);
        Assert.Contains("built for PVM", status.Detail);
        Assert.EndsWith(KvmProbe.TcgConsequence, status.TcgWarning);
        Assert.Equal(KvmProbe.PvmFix, status.Fix);
    }

    [Fact]
    public void Probe_ChoosesKvm_WhenKvmPvmIsBuiltInBesideAVendorModule()
    {
        // Only one vendor module owns /dev/kvm; with kvm_intel present it is the hardware one.
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("sys/module/kvm_pvm/parameters/pvm_native", "Y\n");
        var status = KvmProbe.Probe(host.Env);
        Assert.True(status.Usable);
        Assert.False(status.PvmOnly);
    }

    [Fact]
    public void Probe_IsNotPvmOnly_WhenDevKvmCannotBeOpened()
    {
        using var host = PvmHost();
        host.Devices.Set("kvm", new DeviceNode(NodeKind.CharDevice, 10, 232, 0x180), "EACCES");
        var status = KvmProbe.Probe(host.Env);
        Assert.False(status.Usable);
        Assert.False(status.Requestable);
        Assert.Contains("Permission denied", status.Detail);
    }

    [Fact]
    public void ProbeThisHost_AgreesWithWhetherDevKvmExists()
    {
        var status = KvmProbe.ProbeThisHost();
        // Root opens any /dev/kvm that exists with a bound driver; without the node it must be TCG. A /dev/kvm from
        // kvm_pvm (no kvm_intel/kvm_amd) opens too but boots no stock kernel, so it is reported PvmOnly and not Usable.
        var pvm = KvmProbe.IsPvm(KernelModules.Read(HostEnvironment.ForThisHost()));
        Assert.Equal(File.Exists("/dev/kvm") && Environment.IsPrivilegedProcess && !pvm, status.Usable);
        Assert.Equal(File.Exists("/dev/kvm") && Environment.IsPrivilegedProcess && pvm, status.PvmOnly);
        Assert.Equal("/dev/kvm", status.DevicePath);
        if (!status.Usable) Assert.Contains("TCG", status.TcgWarning);
    }
}

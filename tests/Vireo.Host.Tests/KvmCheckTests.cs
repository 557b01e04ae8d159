using Vireo.Contracts;
using Vireo.Host.Os;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class KvmCheckTests
{
    [Theory]
    [InlineData("intel-kvm", "Intel VT-x (vmx)")]
    [InlineData("amd-nested", "AMD-V (svm)")]
    [InlineData("no-qemu", "Intel VT-x (vmx)")]
    public async Task CpuVirt_PassesAndNamesTheExtension_WhenTheFlagIsPresent(string fixture, string expected)
    {
        using var host = FixtureHost.Load(fixture);
        var item = await host.CheckAsync(HostCheckIds.CpuVirt);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains(expected, item.Detail);
    }

    [Fact]
    public async Task CpuVirt_WarnsWithNestedFix_InAVmWithoutVmxOrSvm()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.CpuVirt);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("TCG", item.Detail);
        Assert.Contains("this is a VM without nested virtualization", item.Fix);
    }

    [Fact]
    public async Task CpuVirt_WarnsWithFirmwareFix_OnBareMetalWithoutVmx()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("proc/cpuinfo", File.ReadAllText(host.PathOf("proc/cpuinfo")).Replace(" vmx", ""));
        var item = await host.CheckAsync(HostCheckIds.CpuVirt);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("enable VT-x", item.Fix);
        Assert.Contains("firmware", item.Fix);
    }

    [Fact]
    public async Task KvmModules_PassesAndShowsWhatLsmodGrepKvmShows()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("lsmod: kvm_intel 487424 0; kvm 1409024 1 kvm_intel; irqbypass 12288 1 kvm", item.Detail);
    }

    [Fact]
    public async Task KvmModules_PassesOnAmd()
    {
        using var host = FixtureHost.Load("amd-nested");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains("kvm_amd 245760 0", item.Detail);
    }

    [Fact]
    public async Task KvmModules_PassesWhenKvmIsBuiltIntoTheKernel()
    {
        using var host = FixtureHost.Load("intel-kvm");
        // Built in: a /sys/module entry without initstate, and no /proc/modules line.
        host.Write("proc/modules", "bridge 348160 0 - Live 0x0000000000000000\n");
        host.Delete("sys/module/kvm/initstate");
        host.Delete("sys/module/kvm_intel/initstate");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("built in: kvm, kvm_intel", item.Detail);
    }

    [Fact]
    public async Task KvmModules_WarnsWithModprobeFix_WhenTheVendorModuleIsNotLoaded()
    {
        using var host = FixtureHost.Load("amd-nested");
        host.Write("proc/modules", "kvm 1327104 0 - Live 0x0000000000000000\nirqbypass 16384 1 kvm, Live 0x0000000000000000\n");
        host.Delete("sys/module/kvm_amd");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("no kvm_intel or kvm_amd", item.Detail);
        Assert.StartsWith("modprobe kvm_amd", item.Fix);
    }

    [Fact]
    public async Task KvmModules_OnThisMachinesKernel_ReportsBuiltInKvmPvm()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Warn);
        Assert.Equal("kvm_pvm (PVM) instead of kvm_intel or kvm_amd: KVM here can boot only guest kernels built for PVM; built in: kvm, kvm_pvm", item.Detail);
        Assert.Contains("nested virtualization", item.Fix);
    }

    [Fact]
    public async Task KvmModules_WithoutModuleSupport_SaysSoAndAsksForVtxFirst()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Delete("sys/module/kvm_pvm");
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("built in: kvm", item.Detail);
        Assert.Contains("no loadable module support", item.Detail);
        Assert.Contains("first make VT-x/AMD-V visible", item.Fix);
        Assert.Contains("CONFIG_KVM_AMD", item.Fix);
    }

    [Fact]
    public async Task KvmDevice_Passes_WhenTheCharacterDeviceOpens()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("crw-rw---- 10:232 group kvm, opened read-write", item.Detail);
    }

    [Fact]
    public async Task KvmDevice_WarnsAboutTcg_WhenAbsent()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("does not exist", item.Detail);
        Assert.Contains("software emulation (TCG)", item.Detail);
        Assert.Contains("everything still works", item.Detail);
    }

    [Fact]
    public async Task KvmDevice_WarnsThatOnlyPvmGuestsBoot_WhenDevKvmIsKvmPvm()
    {
        using var host = KvmProbeTests.PvmHost();
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("opens, but it is provided by kvm_pvm", item.Detail);
        Assert.Contains("software emulation (TCG)", item.Detail);
        Assert.Contains("accel: kvm", item.Fix);
    }

    [Fact]
    public async Task KvmModules_NamesKvmPvm_InsteadOfSuggestingModprobe()
    {
        using var host = KvmProbeTests.PvmHost();
        var item = await host.CheckAsync(HostCheckIds.KvmModules);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("kvm_pvm (PVM) instead of kvm_intel or kvm_amd", item.Detail);
        Assert.Contains("built in: kvm, kvm_pvm", item.Detail);
        Assert.DoesNotContain("modprobe", item.Fix);
        Assert.DoesNotContain("CONFIG_KVM", item.Fix);
    }

    [Fact]
    public async Task KvmDevice_WarnsWithGroupFix_WhenPermissionIsDenied()
    {
        using var host = FixtureHost.Load("no-qemu");
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("Permission denied", item.Detail);
        Assert.Contains("TCG", item.Detail);
        Assert.Contains("usermod -aG kvm", item.Fix);
    }

    [Fact]
    public async Task KvmDevice_WarnsWithModprobeFix_WhenTheModuleIsNotLoaded()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Remove("kvm");
        host.Write("proc/modules", "bridge 348160 0 - Live 0x0000000000000000\n");
        host.Delete("sys/module/kvm_intel");
        host.Delete("sys/module/kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("kvm_intel is not loaded", item.Detail);
        Assert.StartsWith("modprobe kvm_intel", item.Fix);
    }

    [Fact]
    public async Task KvmDevice_Warns_WhenDevKvmIsNotACharacterDevice()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Devices.Set("kvm", new DeviceNode(NodeKind.Other));
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("not a character device", item.Detail);
        Assert.Contains("mknod", item.Fix);
    }

    [Fact]
    public async Task KvmDevice_PointsAtDmesg_WhenOpenFailsForAnotherReason()
    {
        using var host = FixtureHost.Load("amd-nested");
        host.Devices.Set("kvm", new DeviceNode(NodeKind.CharDevice, 10, 232, 0x1B6, 0, 36), "ENXIO");
        var item = await host.CheckAsync(HostCheckIds.KvmDevice);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("No such device or address", item.Detail);
        Assert.Contains("dmesg", item.Fix);
        Assert.Contains("modprobe kvm_amd", item.Fix);
    }

    [Theory]
    [InlineData("intel-kvm", "kvm_intel nested=Y")]
    [InlineData("amd-nested", "kvm_amd nested=1")]
    public async Task KvmNested_Passes_WhenEnabled(string fixture, string expected)
    {
        using var host = FixtureHost.Load(fixture);
        var item = await host.CheckAsync(HostCheckIds.KvmNested);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains(expected, item.Detail);
    }

    [Fact]
    public async Task KvmNested_WarnsWithModprobeConf_WhenDisabled()
    {
        using var host = FixtureHost.Load("no-qemu");
        var item = await host.CheckAsync(HostCheckIds.KvmNested);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("kvm_intel nested=N", item.Detail);
        Assert.Contains("options kvm_intel nested=1", item.Fix);
    }

    [Fact]
    public async Task KvmNested_WarnsUnknown_WithoutAVendorModule()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.KvmNested);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("unknown", item.Detail);
    }
}

using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>Does the CPU offer hardware virtualization (vmx = Intel VT-x, svm = AMD-V) to this kernel?</summary>
internal sealed class CpuVirtCheck : FileHostCheck
{
    public override string Id => HostCheckIds.CpuVirt;
    public override string Title => "CPU virtualization";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var path = env.Proc("cpuinfo");
        var cpu = CpuInfo.Read(path);
        if (cpu is null) return Warn($"cannot read {path}", "mount procfs: mount -t proc proc /proc");

        var model = cpu.ModelName.Length > 0 ? cpu.ModelName : cpu.VendorId;
        if (cpu.HasVmx) return Pass($"Intel VT-x (vmx), {model}");
        if (cpu.HasSvm) return Pass($"AMD-V (svm), {model}");

        // Recent kernels clear vmx/svm from the flags when firmware disabled the feature, so the flag's absence is
        // the right signal for "firmware" on bare metal; inside a VM it means the hypervisor hides it.
        return cpu.IsVirtualMachine
            ? Warn($"no vmx/svm flag: {model} is a virtual CPU without nested virtualization; VMs will use TCG",
                KvmProbe.NestedFix)
            : Warn($"no vmx/svm flag: {model} has VT-x/AMD-V disabled or lacks it; VMs will use TCG", KvmProbe.FirmwareFix);
    }
}

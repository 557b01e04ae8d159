using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>kvm plus its vendor half (kvm_intel or kvm_amd), loaded or built in: what <c>lsmod | grep kvm</c> shows.</summary>
internal sealed class KvmModulesCheck : FileHostCheck
{
    private static readonly string[] VendorModules = ["kvm_intel", "kvm_amd"];

    public override string Id => HostCheckIds.KvmModules;
    public override string Title => "KVM modules";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var modules = KernelModules.Read(env);
        var cpu = CpuInfo.Read(env.Proc("cpuinfo"));

        var found = new List<string>();
        if (modules.Loaded is { } loaded)
        {
            // The same lines `lsmod | grep kvm` prints (it also catches helpers used by kvm, e.g. irqbypass).
            var lsmod = loaded.Where(m => m.LsmodLine.Contains("kvm", StringComparison.Ordinal))
                .Select(m => CollapseSpaces(m.LsmodLine)).ToList();
            if (lsmod.Count > 0) found.Add("lsmod: " + string.Join("; ", lsmod));
        }
        var builtIn = modules.SysModulesStartingWith("kvm").Where(modules.IsBuiltIn).ToList();
        if (builtIn.Count > 0) found.Add("built in: " + string.Join(", ", builtIn));

        var haveKvm = modules.IsPresent("kvm");
        var vendor = VendorModules.FirstOrDefault(modules.IsPresent);
        if (haveKvm && vendor is not null) return Pass(string.Join("; ", found));
        // PVM (an out-of-tree KVM for VMs without VT-x/AMD-V): loading kvm_intel/kvm_amd is not the fix.
        if (haveKvm && KvmProbe.IsPvm(modules))
            return Warn(string.Join("; ", found.Prepend("kvm_pvm (PVM) instead of kvm_intel or kvm_amd: KVM here can boot only guest kernels built for PVM")),
                "for KVM with any guest, run vireod on a host with VT-x/AMD-V, or in a VM with nested virtualization (see CPU virtualization)");

        var expected = cpu?.KvmVendorModule ?? "kvm_intel";
        var missing = haveKvm ? $"no {string.Join(" or ", VendorModules)}" : "kvm is not loaded";
        var noModuleSupport = modules.Loaded is null ? "; the kernel has no loadable module support (no /proc/modules)" : "";
        var detail = string.Join("; ", found.Prepend(missing)) + noModuleSupport;

        var fix = modules.Loaded is null
            ? $"boot a kernel with KVM built in (CONFIG_KVM and CONFIG_{expected.ToUpperInvariant()})"
            : KvmProbe.ModprobeFix(expected);
        // Without vmx/svm the vendor module refuses to load, so the CPU has to be fixed first.
        var noCpuSupport = cpu is not null && !cpu.HasVmx && !cpu.HasSvm;
        return Warn(detail, noCpuSupport ? $"first make VT-x/AMD-V visible to this kernel (see CPU virtualization), then {fix}" : fix);
    }

    private static string CollapseSpaces(string s) =>
        string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}

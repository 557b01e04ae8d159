using Vireo.Host.Linux;
using Vireo.Host.Os;

namespace Vireo.Host;

/// <summary>Whether VMs can use KVM, and if not, why, in words an operator can act on.</summary>
/// <param name="Usable">/dev/kvm is a character device we could open read-write.</param>
/// <param name="DevicePath">The device node looked at, normally <c>/dev/kvm</c>.</param>
/// <param name="Detail">What was found: the node (<c>crw-rw---- 10:232 group kvm</c>) or why it is not usable.</param>
/// <param name="Fix">One line telling the operator what to do; null when usable.</param>
public sealed record KvmStatus(bool Usable, string DevicePath, string Detail, string? Fix)
{
    /// <summary>
    /// /dev/kvm opens but is provided by kvm_pvm (PVM), which runs only guest kernels built for it: VMs get TCG
    /// unless their spec asks for <c>accel: kvm</c>, which is then allowed (for guests with such a kernel).
    /// </summary>
    public bool PvmOnly { get; init; }

    /// <summary>Whether a VM may ask for KVM explicitly (<c>accel: kvm</c>).</summary>
    public bool Requestable => Usable || PvmOnly;

    /// <summary>What a VM is told to use: <c>-accel kvm</c> or <c>-accel tcg</c>.</summary>
    public string Accel => Usable ? "kvm" : "tcg";

    /// <summary>The warning to print when VMs fall back to TCG; null when KVM is usable.</summary>
    public string? TcgWarning => Usable ? null : $"{Detail}. {KvmProbe.TcgConsequence}";
}

/// <summary>
/// Decides between KVM and TCG. "Usable" means what QEMU itself needs: open("/dev/kvm", O_RDWR) succeeds.
/// The open goes through <see cref="HostEnvironment.Devices"/> (the only part a fixture cannot provide).
/// </summary>
public static class KvmProbe
{
    /// <summary>What running without KVM means for the operator.</summary>
    public const string TcgConsequence =
        "VMs will run under software emulation (TCG): much slower, but everything still works";

    /// <summary>Probes the machine we run on.</summary>
    public static KvmStatus ProbeThisHost() => Probe(HostEnvironment.ForThisHost());

    /// <summary>Probes the machine described by <paramref name="env"/>.</summary>
    public static KvmStatus Probe(HostEnvironment env)
    {
        var path = env.Dev("kvm");
        var node = env.Devices.Inspect(path);
        switch (node.Kind)
        {
            case NodeKind.Missing:
                var (reason, fix) = WhyMissing(env);
                return new KvmStatus(false, path, $"{path} does not exist: {reason}", fix);
            case NodeKind.Other:
                return new KvmStatus(false, path, $"{path} exists but is not a character device",
                    $"remove {path} and recreate it: mknod -m 0660 {path} c 10 232 && chgrp kvm {path} (or udevadm trigger)");
        }

        var group = GroupNames.Of(env.EtcRoot, node.Gid);
        var described = $"{node.Describe()} group {group}";
        var error = env.Devices.TryOpenReadWrite(path);
        if (error is null)
        {
            return IsPvm(env)
                ? new KvmStatus(false, path, $"{path} ({described}) opens, but it is provided by kvm_pvm (PVM, KVM without VT-x/AMD-V), which boots only guest kernels built for PVM: a stock distribution kernel hangs early in its boot", PvmFix) { PvmOnly = true }
                : new KvmStatus(true, path, $"{described}, opened read-write", null);
        }

        var fixWhenDenied = $"add the user running vireod to group {group} (usermod -aG {group} USER, then log in again) or run vireod as root";
        var cpu = CpuInfo.Read(env.Proc("cpuinfo"));
        var module = cpu?.KvmVendorModule ?? "kvm_intel";
        return new KvmStatus(false, path, $"{path} ({described}) cannot be opened read-write: {error}",
            error.IsPermissionDenied
                ? fixWhenDenied
                : $"check 'dmesg | grep -i kvm' (e.g. 'disabled by bios'), then reload: modprobe -r {module} && modprobe {module}");
    }

    /// <summary>
    /// kvm_pvm (Pagetable-based Virtual Machine, out of tree) gives a VM without nested VT-x/AMD-V a working /dev/kvm,
    /// but its guests must run a kernel built for PVM (CONFIG_PVM_GUEST). Only one vendor module can own /dev/kvm, so
    /// kvm_pvm without kvm_intel or kvm_amd means every KVM guest here is a PVM guest. Seen on a Firecracker machine:
    /// Debian 12's kernel printed nothing through its PVH entry, and its bzImage stopped in the decompressor.
    /// </summary>
    private static bool IsPvm(HostEnvironment env) => IsPvm(KernelModules.Read(env));

    /// <summary>kvm_pvm loaded or built in, and neither kvm_intel nor kvm_amd: see <see cref="IsPvm(HostEnvironment)"/>.</summary>
    internal static bool IsPvm(KernelModules modules) =>
        modules.IsPresent("kvm_pvm") && !modules.IsPresent("kvm_intel") && !modules.IsPresent("kvm_amd");

    internal const string PvmFix =
        "VMs use TCG here; a VM whose guest kernel is built for PVM (CONFIG_PVM_GUEST) may ask for KVM with accel: kvm. For KVM with any guest, run vireod on a host with VT-x/AMD-V, or in a VM with nested virtualization";

    private static (string Reason, string Fix) WhyMissing(HostEnvironment env)
    {
        var cpu = CpuInfo.Read(env.Proc("cpuinfo"));
        if (cpu is not null && !cpu.HasVmx && !cpu.HasSvm)
        {
            return cpu.IsVirtualMachine
                ? ("this machine is a VM and its hypervisor does not expose VT-x/AMD-V (no nested virtualization)",
                   NestedFix)
                : ("the CPU reports no VT-x/AMD-V (vmx/svm flag)", FirmwareFix);
        }

        var modules = KernelModules.Read(env);
        var vendor = cpu?.KvmVendorModule ?? "kvm_intel";
        if (!modules.IsPresent(vendor))
        {
            return modules.Loaded is null
                ? ($"{vendor} is not built into this kernel, which cannot load modules",
                   $"boot a kernel with KVM support (CONFIG_KVM and CONFIG_{vendor.ToUpperInvariant()})")
                : ($"{vendor} is not loaded", ModprobeFix(vendor));
        }
        return ($"{vendor} is loaded but no device node was created",
            "create it: mknod -m 0660 /dev/kvm c 10 232 && chgrp kvm /dev/kvm (or udevadm trigger)");
    }

    internal const string NestedFix =
        "this is a VM without nested virtualization: enable it on the outer hypervisor (KVM host: kvm_intel/kvm_amd nested=1 and CPU mode host-passthrough; VMware: 'expose hardware assisted virtualization'; Hyper-V: Set-VMProcessor -ExposeVirtualizationExtensions $true)";

    internal const string FirmwareFix =
        "enable VT-x (Intel) or AMD-V/SVM (AMD) in the firmware (BIOS/UEFI) setup, then reboot";

    internal static string ModprobeFix(string module) =>
        $"modprobe {module} (and load it at boot: echo {module} > /etc/modules-load.d/kvm.conf)";
}

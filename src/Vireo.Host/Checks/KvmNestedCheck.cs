using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>Whether guests may run KVM themselves (kvm_intel/kvm_amd parameter <c>nested</c>). Informational.</summary>
internal sealed class KvmNestedCheck : FileHostCheck
{
    public override string Id => HostCheckIds.KvmNested;
    public override string Title => "Nested virtualization";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        foreach (var module in new[] { "kvm_intel", "kvm_amd" })
        {
            var path = env.Sys($"module/{module}/parameters/nested");
            if (!File.Exists(path)) continue;
            // kvm_intel reports Y/N, kvm_amd 1/0.
            var value = File.ReadAllText(path).Trim();
            if (value is "Y" or "y" or "1")
                return Pass($"enabled ({module} nested={value}): guests can run their own KVM guests");
            return Warn($"disabled ({module} nested={value}): guests cannot use KVM themselves",
                $"echo 'options {module} nested=1' > /etc/modprobe.d/kvm-nested.conf, then with no VMs running: modprobe -r {module} && modprobe {module}");
        }
        return Warn("unknown: neither kvm_intel nor kvm_amd is loaded",
            "load the KVM vendor module first (see KVM modules); nested virtualization is optional");
    }
}

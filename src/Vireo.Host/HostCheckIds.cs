namespace Vireo.Host;

/// <summary>Stable ids of the checks behind <c>vireo host check</c>, in report order.</summary>
public static class HostCheckIds
{
    /// <summary>CPU virtualization flags (vmx/svm).</summary>
    public const string CpuVirt = "cpu.virt";
    /// <summary>kvm and kvm_intel/kvm_amd loaded or built in.</summary>
    public const string KvmModules = "kvm.modules";
    /// <summary>/dev/kvm present and openable read-write.</summary>
    public const string KvmDevice = "kvm.device";
    /// <summary>Nested virtualization enabled in kvm_intel/kvm_amd.</summary>
    public const string KvmNested = "kvm.nested";
    /// <summary>qemu-system-x86_64 found, version 6.2 or newer.</summary>
    public const string QemuBinary = "qemu.binary";
    /// <summary>qemu-img found.</summary>
    public const string QemuImg = "qemu.img";
    /// <summary>/dev/net/tun usable (tap devices).</summary>
    public const string NetTun = "net.tun";
    /// <summary>/dev/vhost-net usable (in-kernel virtio-net).</summary>
    public const string NetVhost = "net.vhost";
    /// <summary>Linux bridge support.</summary>
    public const string NetBridge = "net.bridge";
    /// <summary>nft present and able to list rulesets.</summary>
    public const string NetNftables = "net.nftables";
    /// <summary>dnsmasq present (DHCP/DNS for NAT networks).</summary>
    public const string NetDnsmasq = "net.dnsmasq";
    /// <summary>cgroup v2 with cpu, memory and io controllers.</summary>
    public const string Cgroup = "cgroup";
    /// <summary>IOMMU enabled (device passthrough).</summary>
    public const string Iommu = "iommu";
    /// <summary>Available memory.</summary>
    public const string HostMemory = "host.memory";
    /// <summary>Free space for the state directory.</summary>
    public const string HostDisk = "host.disk";
    /// <summary>State directory exists or can be created, and is writable.</summary>
    public const string StateDir = "state.dir";

    /// <summary>OVMF described by a QEMU firmware descriptor (firmware: uefi).</summary>
    public const string UefiFirmware = "firmware.uefi";

    /// <summary>All ids, in report order.</summary>
    public static readonly IReadOnlyList<string> InOrder =
    [
        CpuVirt, KvmModules, KvmDevice, KvmNested, QemuBinary, QemuImg, NetTun, NetVhost, NetBridge, NetNftables,
        NetDnsmasq, Cgroup, Iommu, HostMemory, HostDisk, StateDir, UefiFirmware,
    ];
}

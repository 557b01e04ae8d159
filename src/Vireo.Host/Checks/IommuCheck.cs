using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>An active IOMMU: only PCI device passthrough (VFIO) needs it.</summary>
internal sealed class IommuCheck : FileHostCheck
{
    public override string Id => HostCheckIds.Iommu;
    public override string Title => "IOMMU";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var units = Entries(env.Sys("class/iommu"));
        var groups = Entries(env.Sys("kernel/iommu_groups"));
        if (units.Count > 0 || groups.Count > 0)
        {
            var unitText = units.Count > 0 ? $" ({string.Join(", ", units)})" : "";
            return Pass($"enabled{unitText}: {groups.Count} IOMMU group{(groups.Count == 1 ? "" : "s")}");
        }

        var cpu = CpuInfo.Read(env.Proc("cpuinfo"));
        var fix = cpu switch
        {
            { IsVirtualMachine: true } => "only for PCI passthrough: the outer hypervisor must give this VM a virtual IOMMU (e.g. QEMU -device intel-iommu), then add intel_iommu=on iommu=pt to the kernel command line",
            { IsAmd: true } => "only for PCI passthrough: enable AMD-Vi/IOMMU in the firmware setup and add amd_iommu=on iommu=pt to the kernel command line",
            _ => "only for PCI passthrough: enable VT-d in the firmware setup and add intel_iommu=on iommu=pt to the kernel command line",
        };
        return Warn("no IOMMU active: PCI device passthrough is unavailable (everything else works)", fix);
    }

    private static List<string> Entries(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
}

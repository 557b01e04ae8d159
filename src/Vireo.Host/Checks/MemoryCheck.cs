using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>Memory available for new VMs (MemAvailable: free plus reclaimable page cache).</summary>
internal sealed class MemoryCheck : FileHostCheck
{
    public const long WarnBelowBytes = Units.GiB;

    public override string Id => HostCheckIds.HostMemory;
    public override string Title => "Memory";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var mem = MemInfo.Read(env.Proc("meminfo"));
        if (!mem.TryGetValue("MemTotal", out var totalKiB))
            return Warn($"cannot read MemTotal from {env.Proc("meminfo")}", "mount procfs: mount -t proc proc /proc");
        var availableKiB = mem.TryGetValue("MemAvailable", out var a) ? a : mem.GetValueOrDefault("MemFree");
        var available = availableKiB * 1024;
        var detail = $"{Units.Bytes(available)} available of {Units.Bytes(totalKiB * 1024)}";
        if (available < WarnBelowBytes)
            return Warn($"{detail}: room for one small VM at most",
                "free memory (stop services or VMs) or add RAM; each VM needs its memory plus 100-250 MiB for QEMU (more under TCG)");
        return Pass(detail);
    }
}

using Vireo.Host.Linux;

namespace Vireo.Host;

/// <summary>Host limits a VM spec is validated against.</summary>
/// <param name="LogicalCpus">Online logical CPUs (/sys/devices/system/cpu/online), not this process's affinity.</param>
/// <param name="MemTotalMiB">MemTotal from /proc/meminfo, in MiB.</param>
/// <param name="MemAvailableMiB">MemAvailable from /proc/meminfo, in MiB (free plus reclaimable cache).</param>
public sealed record HostFacts(int LogicalCpus, long MemTotalMiB, long MemAvailableMiB)
{
    /// <summary>Reads the machine we run on.</summary>
    public static HostFacts ReadThisHost() => Read(HostEnvironment.ForThisHost());

    /// <summary>Reads the machine described by <paramref name="env"/> (only its /proc and /sys roots are used).</summary>
    /// <exception cref="InvalidOperationException">/proc/meminfo lacks MemTotal (procfs not mounted).</exception>
    public static HostFacts Read(HostEnvironment env)
    {
        var mem = MemInfo.Read(env.Proc("meminfo"));
        if (!mem.TryGetValue("MemTotal", out var totalKiB))
            throw new InvalidOperationException($"{env.Proc("meminfo")} has no MemTotal; is procfs mounted?");
        // MemAvailable exists since Linux 3.14; older kernels only have MemFree.
        var availableKiB = mem.TryGetValue("MemAvailable", out var a) ? a : mem.GetValueOrDefault("MemFree");
        return new HostFacts(CountCpus(env), totalKiB / 1024, availableKiB / 1024);
    }

    private static int CountCpus(HostEnvironment env)
    {
        var online = env.Sys("devices/system/cpu/online");
        if (File.Exists(online)) return CpuList.Count(File.ReadAllText(online));
        var cpuinfo = env.Proc("cpuinfo");
        if (File.Exists(cpuinfo))
        {
            var processors = File.ReadLines(cpuinfo).Count(l => l.StartsWith("processor", StringComparison.Ordinal));
            if (processors > 0) return processors;
        }
        throw new InvalidOperationException($"cannot count CPUs: neither {online} nor {cpuinfo} is readable");
    }
}

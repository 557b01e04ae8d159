using System.Globalization;

namespace Vireo.Host;

/// <summary>Host capacity, used as limits when validating VM specs.</summary>
/// <param name="LogicalCpus">Online logical CPUs.</param>
/// <param name="MemTotalMiB">Total RAM.</param>
/// <param name="MemAvailableMiB">RAM available for new processes.</param>
public sealed record HostFacts(int LogicalCpus, long MemTotalMiB, long MemAvailableMiB)
{
    /// <summary>Reads /sys and /proc (or fixture roots).</summary>
    public static HostFacts Read(string procRoot = "/proc", string sysRoot = "/sys")
    {
        var cpus = CountCpus(Path.Combine(sysRoot, "devices/system/cpu/online")) ?? Environment.ProcessorCount;
        var (total, available) = ReadMeminfo(Path.Combine(procRoot, "meminfo"));
        return new HostFacts(cpus, total / 1024, available / 1024);
    }

    /// <summary>Counts CPUs in a kernel CPU list such as <c>0-3,8-11</c>.</summary>
    public static int? CountCpus(string onlineFile)
    {
        try
        {
            return ParseCpuList(File.ReadAllText(onlineFile));
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Parses a kernel CPU list such as <c>0-3,8-11</c> into a count.</summary>
    public static int ParseCpuList(string list) => list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Sum(range =>
    {
        var bounds = range.Split('-');
        return bounds.Length == 1 ? 1 : int.Parse(bounds[1], CultureInfo.InvariantCulture) - int.Parse(bounds[0], CultureInfo.InvariantCulture) + 1;
    });

    /// <summary>MemTotal and MemAvailable in KiB.</summary>
    public static (long TotalKiB, long AvailableKiB) ReadMeminfo(string path)
    {
        long total = 0, available = 0;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2)
                    continue;
                if (parts[0] == "MemTotal:")
                    total = long.Parse(parts[1], CultureInfo.InvariantCulture);
                else if (parts[0] == "MemAvailable:")
                    available = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return (total, available);
    }
}

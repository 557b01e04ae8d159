namespace Vireo.Host.Linux;

/// <summary>The kernel's CPU list format (<c>0-3,8-11</c>), as in /sys/devices/system/cpu/online.</summary>
internal static class CpuList
{
    public static int Count(string list)
    {
        var count = 0;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                if (!int.TryParse(part, out _)) throw new FormatException($"bad CPU list entry '{part}'");
                count++;
            }
            else
            {
                var first = int.Parse(part[..dash]);
                var last = int.Parse(part[(dash + 1)..]);
                if (last < first) throw new FormatException($"bad CPU range '{part}'");
                count += last - first + 1;
            }
        }
        return count;
    }
}

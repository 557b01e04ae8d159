namespace Vireo.Host.Linux;

/// <summary>/proc/meminfo values in KiB.</summary>
internal static class MemInfo
{
    public static IReadOnlyDictionary<string, long> Read(string path)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists(path)) return values;
        foreach (var line in File.ReadLines(path))
        {
            // "MemAvailable:   24173828 kB"
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var number = line[(colon + 1)..].Trim().Split(' ')[0];
            if (long.TryParse(number, out var kib)) values[line[..colon]] = kib;
        }
        return values;
    }
}

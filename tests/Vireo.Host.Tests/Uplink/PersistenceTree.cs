using System.Runtime.CompilerServices;
using Vireo.Host.Uplink;

namespace Vireo.Host.Tests.Uplink;

/// <summary>A temp directory standing for a host's / (etc, run, var), deleted on dispose; and golden-file comparison.</summary>
internal sealed class PersistenceTree : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("vireo-uplink-persist-").FullName;
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 15, 0, TimeSpan.Zero);
    public const string Stamp = "20261124T101500Z";

    public string PathOf(string hostPath) => Path.Combine(Root, hostPath.TrimStart('/'));

    public void Write(string hostPath, string content, UnixFileMode? mode = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(hostPath))!);
        File.WriteAllText(PathOf(hostPath), content);
        if (mode is { } m) File.SetUnixFileMode(PathOf(hostPath), m);
    }

    public void Dir(string hostPath) => Directory.CreateDirectory(PathOf(hostPath));

    public string Read(string hostPath) => File.ReadAllText(PathOf(hostPath));

    /// <summary>Every file under the root except the backups, as host paths.</summary>
    public List<string> Files() => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
        .Select(f => "/" + Path.GetRelativePath(Root, f)).Where(f => !f.StartsWith("/var/backups/", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal).ToList();

    public void Dispose() => Directory.Delete(Root, recursive: true);

    /// <summary>
    /// The file must equal Golden/<paramref name="goldenCase"/>/<paramref name="name"/> in the source tree. With
    /// VIREO_UPDATE_GOLDEN=1 the golden file is written instead (then review the diff in git).
    /// </summary>
    public static void MatchesGolden(string goldenCase, string name, string actual, [CallerFilePath] string source = "")
    {
        var golden = Path.Combine(Path.GetDirectoryName(source)!, "Golden", goldenCase, name.TrimStart('/'));
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, actual);
            return;
        }
        Assert.True(File.Exists(golden), $"no golden file {golden}; run with VIREO_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    /// <summary>A plan for ens33 198.51.100.10/24 (static or DHCP) with a default route (metric 100) and one more route.</summary>
    public static UplinkPlan Plan(bool dhcp = false)
    {
        var nic = new NicSnapshot("ens33", "52:54:00:12:34:56", 1500, true, null, null, "ether",
        [
            new NicAddress("inet", "198.51.100.10", 24, null, "198.51.100.255", "global", "ens33", dhcp, false, null,
                dhcp ? 3600 : null, dhcp ? 3600 : null),
            new NicAddress("inet6", "fe80::5054:ff:fe12:3456", 64, null, null, "link", null, false, false, null, null, null),
        ],
        [
            new NicRoute("inet", "unicast", "default", "198.51.100.1", "main", dhcp ? "dhcp" : "boot", "global", 100, null, false, false, false),
            new NicRoute("inet", "unicast", "198.51.100.0/24", null, "main", "kernel", "link", null, "198.51.100.10", false, false, false),
            new NicRoute("inet", "unicast", "203.0.113.0/24", "198.51.100.1", "main", "boot", "global", null, null, false, false, false),
        ]);
        var request = new UplinkRequest("br0", "ens33", null, TimeSpan.FromSeconds(20), Persist: true);
        var moved = nic.Addresses.Where(a => a.IsIPv4).ToList();
        var routes = nic.Routes.Where(r => !r.IsKernel).ToList();
        return new UplinkPlan(request, nic, moved, routes, "198.51.100.1", "gateway of ens33's default route");
    }
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

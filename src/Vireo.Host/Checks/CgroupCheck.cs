using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>cgroup v2 with the cpu, memory and io controllers Vireo uses to limit each VM's QEMU.</summary>
internal sealed class CgroupCheck : FileHostCheck
{
    private static readonly string[] Required = ["cpu", "memory", "io"];
    private const string UnifiedFix =
        "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line (cgroup v2; the default since Debian 11)";

    public override string Id => HostCheckIds.Cgroup;
    public override string Title => "cgroup v2";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var controllersFile = env.Sys("fs/cgroup/cgroup.controllers");
        if (File.Exists(controllersFile))
        {
            var available = ReadControllers(controllersFile);
            var missing = Required.Where(c => !available.Contains(c)).ToList();
            var have = string.Join(' ', available);
            if (missing.Count == 0) return Pass($"cgroup v2 at /sys/fs/cgroup, controllers: {have}");
            return Warn($"cgroup v2 lacks the {string.Join(", ", missing)} controller(s) (have: {have}); VM limits for them cannot be applied",
                "the kernel disables them: remove cgroup_disable=... from the kernel command line, or use a kernel with CONFIG_MEMCG, CONFIG_BLK_CGROUP and CONFIG_CGROUP_SCHED");
        }

        var mounts = ReadCgroupMounts(env);
        var v2 = mounts.FirstOrDefault(m => m.Type == "cgroup2");
        var hasV1 = mounts.Any(m => m.Type == "cgroup");
        if (v2 is not null && hasV1)
        {
            var controllers = ReadControllers(MapToRoot(env, v2.MountPoint) + "/cgroup.controllers");
            var listed = controllers.Count > 0 ? string.Join(' ', controllers) : "none";
            return Warn($"hybrid hierarchy: controllers are on cgroup v1; cgroup2 at {v2.MountPoint} has: {listed}", UnifiedFix);
        }
        if (hasV1) return Warn("cgroup v1 only (no cgroup2 mounted)", UnifiedFix);
        if (v2 is not null)
            return Warn($"cgroup2 is mounted at {v2.MountPoint}, not /sys/fs/cgroup", "mount it at /sys/fs/cgroup (systemd does this by default)");
        return Warn("no cgroup file system is mounted", "mount -t cgroup2 none /sys/fs/cgroup (or boot with systemd)");
    }

    private static List<string> ReadControllers(string path) =>
        File.Exists(path)
            ? File.ReadAllText(path).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList()
            : [];

    private sealed record Mount(string MountPoint, string Type);

    private static List<Mount> ReadCgroupMounts(HostEnvironment env)
    {
        var path = env.Proc("self/mounts");
        if (!File.Exists(path)) return [];
        // "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0"
        return File.ReadLines(path)
            .Select(l => l.Split(' '))
            .Where(f => f.Length >= 3 && f[2] is "cgroup" or "cgroup2")
            .Select(f => new Mount(f[1], f[2]))
            .ToList();
    }

    /// <summary>Mount points in /proc/self/mounts are host paths; read them through <see cref="HostEnvironment.SysRoot"/>.</summary>
    private static string MapToRoot(HostEnvironment env, string mountPoint) =>
        mountPoint.StartsWith("/sys/", StringComparison.Ordinal) ? env.Sys(mountPoint["/sys/".Length..]) : mountPoint;
}

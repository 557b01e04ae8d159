using System.Globalization;

namespace Vireo.Core.Engine;

/// <summary>
/// One cgroup per VM with the memory and CPU limits of its spec, as libvirt makes one (machine.slice/machine-qemu-N.scope):
/// cgroup v2 where /sys/fs/cgroup is a unified hierarchy with the memory and cpu controllers
/// (<c>vireo.slice/vm-UUID.scope</c>: memory.max, cpu.max, cpu.weight), else the v1 controllers where they are
/// mounted (<c>memory/vireo/vm-UUID</c>: memory.limit_in_bytes; <c>cpu/vireo/vm-UUID</c>: cpu.cfs_quota_us).
/// Named by UUID, so a restarted vireod finds it again; removed when the QEMU process is gone.
/// </summary>
internal static class VmCgroup
{
    /// <summary>
    /// The cgroup file system. A vireod started with <c>ip netns exec</c> (as most integration tests run it) sees a
    /// fresh sysfs without the cgroup mounts: <see cref="EnsureMounted"/> mounts them again at vireod's start.
    /// </summary>
    public static string Root { get; set; } = "/sys/fs/cgroup";

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "mount")]
    private static extern int MountImport(string source, string target, string type, ulong flags, string? data);

    /// <summary>
    /// Makes the memory and cpu controllers reachable under <see cref="Root"/> when they are not: <c>ip netns exec</c>
    /// unshares the mount namespace and mounts a fresh sysfs, whose /sys/fs/cgroup is an empty directory. vireod then
    /// mounts what the kernel has, as the host has it (from /proc/self/cgroup and /proc/cgroups): a tmpfs with each v1
    /// hierarchy that holds memory or cpu (e.g. cpu,cpuacct, with cpu and cpuacct as links), or cgroup2 when the
    /// controllers are on the unified hierarchy. The mounts are in vireod's own mount namespace (and its QEMUs'); the
    /// cgroups made there are the host's. Returns what it did, what is missing (for the start-up warning), or null
    /// when the controllers were there already.
    /// </summary>
    public static (bool Usable, string? Note) EnsureMounted()
    {
        if (Usable())
            return Dirs("probe").Count > 0
                ? (true, null)
                : (false, $"the memory and cpu cgroup controllers under {Root} are mounted read-only (a container?); VMs run without memory and CPU limits");
        if (!Directory.Exists(Root) || Directory.EnumerateFileSystemEntries(Root).Any())
            return (false, $"no memory or cpu cgroup controller under {Root}; VMs run without memory and CPU limits");
        try
        {
            var v1 = File.Exists("/proc/self/cgroup")
                ? File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).Where(f => f.Length == 3 && f[1].Length > 0)
                    .Select(f => f[1]).Where(c => c.Split(',').Any(x => x is "memory" or "cpu")).ToList()
                : [];
            const ulong flags = 0x2 | 0x4 | 0x8; // MS_NOSUID | MS_NODEV | MS_NOEXEC
            if (v1.Count > 0)
            {
                Mount("tmpfs", Root, "tmpfs", flags, "mode=755");
                foreach (var hierarchy in v1)
                {
                    var dir = Path.Combine(Root, hierarchy);
                    Directory.CreateDirectory(dir);
                    Mount("cgroup", dir, "cgroup", flags, hierarchy);
                    foreach (var controller in hierarchy.Split(','))
                        if (controller != hierarchy && !controller.StartsWith("name=", StringComparison.Ordinal) && !Path.Exists(Path.Combine(Root, controller)))
                            File.CreateSymbolicLink(Path.Combine(Root, controller), hierarchy);
                }
            }
            else
                Mount("cgroup2", Root, "cgroup2", flags, null);
        }
        catch (IOException e)
        {
            return (false, $"no memory or cpu cgroup controller under {Root} and it could not be mounted ({e.Message}); VMs run without memory and CPU limits");
        }
        return Usable()
            ? (true, $"mounted the cgroup hierarchies at {Root} (this mount namespace had none): {string.Join(", ", Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName))}")
            : (false, $"mounted cgroup at {Root} but it has no memory or cpu controller; VMs run without memory and CPU limits");
    }

    private static bool Usable() => IsUnifiedWith("memory", "cpu") || File.Exists(Path.Combine(Root, "memory", "cgroup.procs")) || File.Exists(Path.Combine(Root, "cpu", "cgroup.procs"));

    private static void Mount(string source, string target, string type, ulong flags, string? data)
    {
        if (MountImport(source, target, type, flags, data) != 0)
            throw new IOException($"cannot mount {type} at {target}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Memory QEMU needs beyond guest RAM and the TCG translation cache: code, device state, I/O buffers.</summary>
    public const long OverheadMiB = 512;

    /// <summary>The CFS period the quota is given in (100 ms, the kernel's default).</summary>
    public const long PeriodMicroseconds = 100_000;

    /// <summary>The limits a VM's QEMU gets: all of its RAM plus overhead; as much CPU time as it has vCPUs.</summary>
    public static (long MemoryBytes, long CpuQuotaMicroseconds) LimitsFor(Vireo.Qemu.Model.QemuVmConfig config)
    {
        var mib = config.MemoryMiB + (config.TcgTranslationCacheMiB ?? 0) + OverheadMiB;
        var cpus = Math.Max(config.MaxVcpus ?? config.Vcpus, config.Vcpus);
        return (mib * 1024 * 1024, cpus * PeriodMicroseconds);
    }

    /// <summary>The directories of this VM's cgroup that exist, or would be made: v2 first, else v1 memory and cpu.</summary>
    public static IReadOnlyList<string> Dirs(string uuid)
    {
        if (IsUnifiedWith("memory", "cpu"))
            return MountedReadOnly(Root) ? [] : [Path.Combine(Root, "vireo.slice", $"vm-{uuid}.scope")];
        var dirs = new List<string>();
        foreach (var controller in new[] { "memory", "cpu" })
            if (File.Exists(Path.Combine(Root, controller, "cgroup.procs")) && !MountedReadOnly(Path.Combine(Root, controller)))
                dirs.Add(Path.Combine(Root, controller, "vireo", $"vm-{uuid}"));
        return dirs;
    }

    /// <summary>
    /// Whether the mount that holds <paramref name="path"/> is read-only (per /proc/self/mountinfo): a container
    /// (systemd-nspawn, LXC, Docker) hands its payload the host's cgroup hierarchies read-only, and a VM there runs
    /// without limits and with the start-up warning rather than failing to start.
    /// </summary>
    internal static bool MountedReadOnly(string path)
    {
        try
        {
            // cgroup v1's cpu is often a link to cpu,cpuacct: the mount is where the link leads.
            var info = new DirectoryInfo(path);
            var full = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)!.FullName : info.FullName;
            string? best = null; var readOnly = false;
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...: mount points escape spaces as \040.
                var f = line.Split(' ');
                if (f.Length < 6) continue;
                var point = f[4].Replace("\\040", " ", StringComparison.Ordinal);
                var under = full == point || full.StartsWith(point.TrimEnd('/') + "/", StringComparison.Ordinal);
                // The last mount of the longest matching point is the one in effect (later lines stack on earlier).
                if (under && (best is null || point.Length >= best.Length))
                {
                    best = point;
                    readOnly = f[5].Split(',').Contains("ro");
                }
            }
            return readOnly;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsUnifiedWith(params string[] controllers)
    {
        var file = Path.Combine(Root, "cgroup.controllers");
        if (!File.Exists(file)) return false;
        var have = File.ReadAllText(file).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries);
        return controllers.All(have.Contains);
    }

    /// <summary>
    /// Makes the VM's cgroup with its limits and moves <paramref name="pid"/> (all its threads) into it. QEMU is still
    /// paused (-S) then: the guest has not touched its RAM, which is charged to the cgroup as it does. Returns what
    /// was set, for the log; null when this host has no usable memory/cpu controller.
    /// </summary>
    public static string? Place(string uuid, int pid, Vireo.Qemu.Model.QemuVmConfig config)
    {
        var (memory, quota) = LimitsFor(config);
        var dirs = Dirs(uuid);
        if (dirs.Count == 0) return null;
        var inv = CultureInfo.InvariantCulture;
        foreach (var dir in dirs)
        {
            if (IsUnifiedWith("memory", "cpu"))
            {
                // The parent must hand the controllers down before its child gets their files.
                Enable(Root);
                Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
                Enable(Path.GetDirectoryName(dir)!);
                Directory.CreateDirectory(dir);
                Write(dir, "memory.max", memory.ToString(inv));
                Write(dir, "cpu.max", $"{quota.ToString(inv)} {PeriodMicroseconds.ToString(inv)}");
                Write(dir, "cpu.weight", "100");
            }
            else
            {
                Directory.CreateDirectory(dir);
                if (dir.Contains("/memory/", StringComparison.Ordinal))
                {
                    // Pages QEMU touched before the move follow it where the kernel still offers that (deprecated,
                    // EINVAL on recent kernels; v2 charges pages where they were touched). The guest's RAM is touched later.
                    try
                    {
                        Write(dir, "memory.move_charge_at_immigrate", "3");
                    }
                    catch (IOException)
                    {
                    }
                    Write(dir, "memory.limit_in_bytes", memory.ToString(inv));
                }
                else
                {
                    Write(dir, "cpu.cfs_period_us", PeriodMicroseconds.ToString(inv));
                    Write(dir, "cpu.cfs_quota_us", quota.ToString(inv));
                }
            }
            Write(dir, "cgroup.procs", pid.ToString(inv));
        }
        return $"{string.Join(", ", dirs)}: memory {memory / (1024 * 1024)} MiB, cpu {quota / PeriodMicroseconds} CPU(s)";
    }

    /// <summary>Removes the VM's cgroup directories that no process is left in (missing ones are fine); true when none is left.</summary>
    public static bool Remove(string uuid)
    {
        var removed = true;
        foreach (var dir in Dirs(uuid))
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir); // rmdir: a cgroup directory's files are not files
            }
            catch (IOException)
            {
                // Still has a process (QEMU exiting, or not yet reaped by init).
                removed = false;
            }
        }
        return removed;
    }

    /// <summary>
    /// <see cref="Remove"/> now, and while the cgroup still holds the exiting QEMU (it leaves only once reaped, which
    /// its parent, init, does in its own time), again every 200 ms for up to 15 s in the background. What is left
    /// after that goes at the VM's next start or stop.
    /// </summary>
    public static void RemoveWhenEmpty(string uuid)
    {
        if (Remove(uuid))
            return;
        _ = Task.Run(async () =>
        {
            for (var i = 0; i < 75 && !Remove(uuid); i++)
                await Task.Delay(200);
        });
    }

    private static void Enable(string dir)
    {
        var control = Path.Combine(dir, "cgroup.subtree_control");
        var enabled = File.ReadAllText(control);
        if (!enabled.Contains("memory", StringComparison.Ordinal) || !enabled.Contains("cpu", StringComparison.Ordinal))
            File.WriteAllText(control, "+memory +cpu");
    }

    private static void Write(string dir, string file, string value) => File.WriteAllText(Path.Combine(dir, file), value);
}

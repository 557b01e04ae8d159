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
    /// fresh sysfs without the cgroup mounts: its VMs then run without a cgroup, with a warning at each start.
    /// </summary>
    public static string Root { get; set; } = "/sys/fs/cgroup";

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
            return [Path.Combine(Root, "vireo.slice", $"vm-{uuid}.scope")];
        var dirs = new List<string>();
        foreach (var controller in new[] { "memory", "cpu" })
            if (File.Exists(Path.Combine(Root, controller, "cgroup.procs")))
                dirs.Add(Path.Combine(Root, controller, "vireo", $"vm-{uuid}"));
        return dirs;
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

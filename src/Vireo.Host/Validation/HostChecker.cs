using System.Text.RegularExpressions;
using Vireo.Contracts;

namespace Vireo.Host;

/// <summary>
/// `vireo host check`: what virt-host-validate and the brief's `lsmod | grep kvm` tell an operator, and more.
/// Every line is PASS, WARN or FAIL with a one-line fix. A host without KVM only warns: VMs still run, under TCG.
/// </summary>
public sealed partial class HostChecker(HostEnvironment env)
{
    private const long GiB = 1024L * 1024 * 1024;
    private const long MiB = 1024L * 1024;

    public Task<HostCheckReport> RunAsync(CancellationToken ct = default) => Task.Run(() =>
    {
        var kvm = new KvmProbe(env).Check();
        var checks = new List<HostCheckItem>
        {
            CpuVirtualization(),
            KvmModules(),
            KvmDevice(kvm),
            NestedVirtualization(),
            QemuBinaryCheck(),
            QemuImgCheck(),
            Tun(),
            VhostNet(),
            Bridge(),
            Nftables(),
            Dnsmasq(),
            Cgroups(),
            Iommu(),
            Memory(),
            Disk(),
            StateDir(),
        };
        return new HostCheckReport { Checks = checks, Accel = kvm.Usable ? "kvm" : "tcg" };
    }, ct);

    private static HostCheckItem Item(string id, string title, CheckStatus status, string detail, string? fix = null) =>
        new() { Id = id, Title = title, Status = status, Detail = detail, Fix = status == CheckStatus.Pass ? null : fix };

    private HostCheckItem CpuVirtualization()
    {
        var flags = CpuFlags.Read(env.ProcRoot);
        if (flags.Vmx)
            return Item("cpu.virt", "CPU virtualization", CheckStatus.Pass, "Intel VT-x (vmx)");
        if (flags.Svm)
            return Item("cpu.virt", "CPU virtualization", CheckStatus.Pass, "AMD-V (svm)");
        var hypervisor = ReadText(Path.Combine(env.ProcRoot, "cpuinfo"))?.Contains(" hypervisor", StringComparison.Ordinal) == true;
        return Item("cpu.virt", "CPU virtualization", CheckStatus.Warn,
            "no vmx or svm flag in /proc/cpuinfo: VMs will run under TCG software emulation",
            hypervisor
                ? "this host is itself a VM: enable nested virtualization on its hypervisor (e.g. kvm_intel nested=1, or expose vmx/svm to this VM)"
                : "enable Intel VT-x or AMD-V (SVM) in the firmware (BIOS/UEFI) setup");
    }

    private HostCheckItem KvmModules()
    {
        var modules = LoadedModules();
        var kvmLines = modules.Where(m => m.StartsWith("kvm", StringComparison.Ordinal)).ToList();
        var builtIn = Directory.Exists(Path.Combine(env.SysRoot, "module/kvm")) && kvmLines.Count == 0;
        var vendor = kvmLines.Any(m => m is "kvm_intel" or "kvm_amd") ||
                     Directory.Exists(Path.Combine(env.SysRoot, "module/kvm_intel")) ||
                     Directory.Exists(Path.Combine(env.SysRoot, "module/kvm_amd"));
        if (kvmLines.Contains("kvm") && vendor)
            return Item("kvm.modules", "KVM kernel modules", CheckStatus.Pass, $"loaded: {string.Join(", ", kvmLines)}");
        if (builtIn && vendor)
            return Item("kvm.modules", "KVM kernel modules", CheckStatus.Pass, "kvm is built into the kernel");
        var flags = CpuFlags.Read(env.ProcRoot);
        var module = flags.Svm ? "kvm_amd" : "kvm_intel";
        return Item("kvm.modules", "KVM kernel modules", CheckStatus.Warn,
            kvmLines.Count == 0
                ? "`lsmod | grep kvm` shows nothing: no KVM module is loaded"
                : $"only {string.Join(", ", kvmLines)} is loaded, without kvm_intel or kvm_amd",
            flags.HasVirtualization ? $"modprobe {module}" : "needs CPU virtualization first (see cpu.virt)");
    }

    private HostCheckItem KvmDevice(KvmStatus kvm) => kvm.Usable
        ? Item("kvm.device", "/dev/kvm", CheckStatus.Pass, "present and opens read-write: VMs use KVM hardware acceleration")
        : Item("kvm.device", "/dev/kvm", CheckStatus.Warn,
            $"{kvm.Reason}. VMs will run under TCG software emulation: everything works, but much slower",
            File.Exists(Path.Combine(env.DevRoot, "kvm"))
                ? "check the permissions of /dev/kvm (root or group kvm needs rw)"
                : "load kvm_intel or kvm_amd (see kvm.modules); on a VM, enable nested virtualization");

    private HostCheckItem NestedVirtualization()
    {
        foreach (var module in new[] { "kvm_intel", "kvm_amd" })
        {
            var value = ReadText(Path.Combine(env.SysRoot, "module", module, "parameters/nested"))?.Trim();
            if (value is null)
                continue;
            return value is "Y" or "1"
                ? Item("kvm.nested", "Nested virtualization", CheckStatus.Pass, $"{module} nested={value}: guests can run their own KVM")
                : Item("kvm.nested", "Nested virtualization", CheckStatus.Warn, $"{module} nested={value}: guests cannot use KVM themselves",
                    $"echo 'options {module} nested=1' > /etc/modprobe.d/kvm-nested.conf and reload {module} (only needed for VMs that run VMs)");
        }
        return Item("kvm.nested", "Nested virtualization", CheckStatus.Warn, "no KVM vendor module loaded, so no nested virtualization",
            "only needed for VMs that run VMs; load kvm_intel or kvm_amd first");
    }

    private HostCheckItem QemuBinaryCheck()
    {
        var path = env.QemuOverride is { Length: > 0 } o ? (File.Exists(o) ? o : null)
            : env.Which("qemu-system-x86_64") ?? (File.Exists("/usr/libexec/qemu-kvm") && env.ProcRoot == "/proc" ? "/usr/libexec/qemu-kvm" : null);
        if (path is null)
            return Item("qemu.binary", "QEMU", CheckStatus.Fail,
                env.QemuOverride is { Length: > 0 } ? $"VIREO_QEMU={env.QemuOverride} does not exist" : "qemu-system-x86_64 not found",
                "apt-get install qemu-system-x86");
        var (exit, output, error) = env.Run(path, ["--version"]);
        var match = VersionPattern().Match(output);
        if (exit != 0 || !match.Success)
            return Item("qemu.binary", "QEMU", CheckStatus.Fail, $"{path} --version failed: {(error + output).Trim()}",
                "reinstall QEMU: apt-get install --reinstall qemu-system-x86");
        var version = new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
        return version < new Version(6, 2)
            ? Item("qemu.binary", "QEMU", CheckStatus.Fail, $"{path} is QEMU {version}; Vireo needs 6.2 or newer (JSON -device)",
                "upgrade QEMU (Debian 12 ships 7.2)")
            : Item("qemu.binary", "QEMU", CheckStatus.Pass, $"{path}, version {version}");
    }

    private HostCheckItem QemuImgCheck()
    {
        var path = env.Which("qemu-img");
        if (path is null)
            return Item("qemu.img", "qemu-img", CheckStatus.Fail, "qemu-img not found", "apt-get install qemu-utils");
        var (exit, output, _) = env.Run(path, ["--version"]);
        var match = VersionPattern().Match(output);
        return exit == 0 && match.Success
            ? Item("qemu.img", "qemu-img", CheckStatus.Pass, $"{path}, version {match.Groups[1].Value}.{match.Groups[2].Value}.{match.Groups[3].Value}")
            : Item("qemu.img", "qemu-img", CheckStatus.Fail, $"{path} --version failed", "apt-get install --reinstall qemu-utils");
    }

    private HostCheckItem Tun()
    {
        var device = Path.Combine(env.DevRoot, "net/tun");
        if (!File.Exists(device))
            return Item("net.tun", "/dev/net/tun", CheckStatus.Fail, "missing: VMs cannot get tap network devices", "modprobe tun");
        return env.TryOpenReadWrite(device) is { } error
            ? Item("net.tun", "/dev/net/tun", CheckStatus.Fail, $"cannot be opened read-write: {error}", "run vireod as root (or with CAP_NET_ADMIN)")
            : Item("net.tun", "/dev/net/tun", CheckStatus.Pass, "present: tap devices can be created");
    }

    private HostCheckItem VhostNet() => File.Exists(Path.Combine(env.DevRoot, "vhost-net"))
        ? Item("net.vhost", "vhost-net", CheckStatus.Pass, "/dev/vhost-net present: virtio-net runs its data path in the kernel")
        : Item("net.vhost", "vhost-net", CheckStatus.Warn, "/dev/vhost-net missing: networking works, with more CPU per packet", "modprobe vhost_net");

    private HostCheckItem Bridge()
    {
        if (Directory.Exists(Path.Combine(env.SysRoot, "module/bridge")) || LoadedModules().Contains("bridge"))
            return Item("net.bridge", "Linux bridge", CheckStatus.Pass, "bridge support loaded");
        var release = ReadText(Path.Combine(env.ProcRoot, "sys/kernel/osrelease"))?.Trim();
        var module = release is null ? null : Path.Combine("/lib/modules", release, "kernel/net/bridge/bridge.ko");
        return module is not null && env.ProcRoot == "/proc" && File.Exists(module)
            ? Item("net.bridge", "Linux bridge", CheckStatus.Pass, "bridge module available (loads on first use)")
            : Item("net.bridge", "Linux bridge", CheckStatus.Warn, "no bridge support found: NAT and bridged networks will not work",
                "modprobe bridge (install the kernel's modules package if it is missing)");
    }

    private HostCheckItem Nftables()
    {
        var nft = env.Which("nft");
        if (nft is null)
            return Item("net.nftables", "nftables", CheckStatus.Warn, "nft not found: NAT networks and port forwards need it", "apt-get install nftables");
        var (exit, _, error) = env.Run(nft, ["list", "tables"]);
        return exit == 0
            ? Item("net.nftables", "nftables", CheckStatus.Pass, $"{nft} works")
            : Item("net.nftables", "nftables", CheckStatus.Warn, $"`nft list tables` failed: {error.Trim()}",
                "run as root; check that the nf_tables kernel module loads (modprobe nf_tables)");
    }

    private HostCheckItem Dnsmasq()
    {
        var dnsmasq = env.Which("dnsmasq");
        return dnsmasq is not null
            ? Item("net.dnsmasq", "dnsmasq", CheckStatus.Pass, $"{dnsmasq} (DHCP and DNS for NAT networks)")
            : Item("net.dnsmasq", "dnsmasq", CheckStatus.Warn, "dnsmasq not found: NAT and isolated networks cannot hand out addresses",
                "apt-get install dnsmasq-base");
    }

    private HostCheckItem Cgroups()
    {
        var controllers = ReadText(Path.Combine(env.SysRoot, "fs/cgroup/cgroup.controllers"));
        if (controllers is null)
            return Item("cgroup", "cgroup v2", CheckStatus.Warn, "cgroup v2 is not mounted at /sys/fs/cgroup: no per-VM CPU/memory/IO limits",
                "boot with systemd.unified_cgroup_hierarchy=1 (the default on Debian 12)");
        var present = controllers.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var missing = new[] { "cpu", "memory", "io" }.Where(c => !present.Contains(c)).ToList();
        return missing.Count == 0
            ? Item("cgroup", "cgroup v2", CheckStatus.Pass, $"controllers: {string.Join(' ', present.Order())}")
            : Item("cgroup", "cgroup v2", CheckStatus.Warn, $"controllers missing: {string.Join(", ", missing)}",
                "enable them in the parent cgroup's cgroup.subtree_control (systemd does this for services)");
    }

    private HostCheckItem Iommu()
    {
        var groups = Path.Combine(env.SysRoot, "kernel/iommu_groups");
        var iommu = Path.Combine(env.SysRoot, "class/iommu");
        var count = Directory.Exists(groups) ? Directory.GetDirectories(groups).Length : 0;
        return count > 0 || (Directory.Exists(iommu) && Directory.EnumerateFileSystemEntries(iommu).Any())
            ? Item("iommu", "IOMMU", CheckStatus.Pass, $"enabled ({count} IOMMU groups): PCI passthrough possible")
            : Item("iommu", "IOMMU", CheckStatus.Warn, "not enabled: PCI device passthrough is unavailable (nothing else needs it)",
                "add intel_iommu=on or amd_iommu=on to the kernel command line and enable VT-d/AMD-Vi in the firmware");
    }

    private HostCheckItem Memory()
    {
        var (total, available) = HostFacts.ReadMeminfo(Path.Combine(env.ProcRoot, "meminfo"));
        var detail = $"{available / 1024.0 / 1024:0.0} GiB available of {total / 1024.0 / 1024:0.0} GiB";
        return available * 1024 < GiB
            ? Item("host.memory", "Memory", CheckStatus.Warn, $"{detail}: little room for VMs", "stop unneeded services or add RAM")
            : Item("host.memory", "Memory", CheckStatus.Pass, detail);
    }

    private HostCheckItem Disk()
    {
        var free = env.FreeBytes(env.StateDir);
        if (free is null)
            return Item("host.disk", "Disk space", CheckStatus.Warn, $"cannot determine free space for {env.StateDir}", "check that the path is on a mounted file system");
        var detail = $"{free.Value / (double)GiB:0.0} GiB free for {env.StateDir}";
        return free.Value < 500 * MiB ? Item("host.disk", "Disk space", CheckStatus.Fail, $"{detail}: too little to create VMs", "free space on that file system or use --state-dir elsewhere")
            : free.Value < 5 * GiB ? Item("host.disk", "Disk space", CheckStatus.Warn, $"{detail}: enough for small VMs only", "free space or move the state directory")
            : Item("host.disk", "Disk space", CheckStatus.Pass, detail);
    }

    private HostCheckItem StateDir()
    {
        var dir = env.StateDir;
        var existing = dir;
        while (!Directory.Exists(existing))
            existing = Path.GetDirectoryName(existing) ?? "/";
        try
        {
            var probe = Path.Combine(existing, $".vireo-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return Item("state.dir", "State directory", CheckStatus.Pass,
                existing == dir ? $"{dir} is writable" : $"{dir} does not exist yet; {existing} is writable, so it can be created");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Item("state.dir", "State directory", CheckStatus.Fail, $"{existing} is not writable: {e.Message}",
                "run as root, or pass a writable --state-dir (VIREO_STATE_DIR)");
        }
    }

    private HashSet<string> LoadedModules()
    {
        var text = ReadText(Path.Combine(env.ProcRoot, "modules")) ?? "";
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"version (\d+)\.(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}

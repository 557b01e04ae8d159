using Vireo.Host.Os;

namespace Vireo.Host;

/// <summary>
/// Everything host checks read from the machine: where /proc, /sys, /dev live, where programs are looked up, the
/// state directory, and the seams for running programs, opening device nodes and measuring free disk space.
/// <see cref="ForThisHost"/> gives the real machine; tests point the roots at fixture trees.
/// </summary>
public sealed record HostEnvironment
{
    /// <summary>procfs root, normally <c>/proc</c>.</summary>
    public required string ProcRoot { get; init; }
    /// <summary>sysfs root, normally <c>/sys</c>.</summary>
    public required string SysRoot { get; init; }
    /// <summary>Device directory, normally <c>/dev</c>.</summary>
    public required string DevRoot { get; init; }
    /// <summary>Configuration directory, normally <c>/etc</c> (read for group names).</summary>
    public required string EtcRoot { get; init; }
    /// <summary>Kernel module tree, normally <c>/lib/modules</c>.</summary>
    public required string ModulesRoot { get; init; }
    /// <summary>Directories of <c>PATH</c>, searched first.</summary>
    public required IReadOnlyList<string> SearchPath { get; init; }
    /// <summary>
    /// Searched after <see cref="SearchPath"/>: a daemon started by systemd or a non-root shell often lacks the sbin
    /// directories where <c>nft</c> and <c>dnsmasq</c> live.
    /// </summary>
    public required IReadOnlyList<string> SystemBinDirectories { get; init; }
    /// <summary>
    /// Full paths tried for QEMU when <c>qemu-system-x86_64</c> is not found by name, e.g. RHEL's
    /// <c>/usr/libexec/qemu-kvm</c>.
    /// </summary>
    public required IReadOnlyList<string> ExtraQemuPaths { get; init; }
    /// <summary>Explicit QEMU binary (env <c>VIREO_QEMU</c>); when set, nothing else is tried.</summary>
    public string? QemuOverride { get; init; }
    /// <summary>Explicit qemu-img binary (env <c>VIREO_QEMU_IMG</c>); when set, nothing else is tried.</summary>
    public string? QemuImgOverride { get; init; }
    /// <summary>QEMU firmware descriptor directories (env <c>VIREO_FIRMWARE_DIRS</c>), searched for OVMF.</summary>
    public IReadOnlyList<string> FirmwareDescriptorDirs { get; init; } = Firmware.FirmwareLocator.DefaultDescriptorDirs;
    /// <summary>Where Vireo keeps VM definitions and disks, e.g. <c>/var/lib/vireo</c>.</summary>
    public required string StateDir { get; init; }
    /// <summary>Whether we run as root (nft can only list rulesets as root).</summary>
    public required bool IsRoot { get; init; }
    /// <summary>Runs tools (<c>--version</c>, <c>nft list tables</c>).</summary>
    public required ICommandRunner Commands { get; init; }
    /// <summary>Inspects and opens device nodes.</summary>
    public required IDeviceNodes Devices { get; init; }
    /// <summary>statvfs(2) of an existing directory.</summary>
    public required Func<string, DiskSpace> DiskSpace { get; init; }
    /// <summary>How long one tool may take to answer.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Conventional sbin/bin directories searched after <c>PATH</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultSystemBinDirectories =
        ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>Where distributions put QEMU under another name (RHEL/CentOS/Fedora: qemu-kvm).</summary>
    public static readonly IReadOnlyList<string> DefaultExtraQemuPaths = ["/usr/libexec/qemu-kvm", "/usr/bin/qemu-kvm"];

    /// <summary>State directory used when none is given (like libvirt's /var/lib/libvirt).</summary>
    public const string DefaultStateDir = "/var/lib/vireo";

    /// <summary>The machine we run on, with <paramref name="stateDir"/> as the state directory.</summary>
    public static HostEnvironment ForThisHost(string stateDir = DefaultStateDir) => new()
    {
        ProcRoot = "/proc",
        SysRoot = "/sys",
        DevRoot = "/dev",
        EtcRoot = "/etc",
        ModulesRoot = "/lib/modules",
        SearchPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        SystemBinDirectories = DefaultSystemBinDirectories,
        ExtraQemuPaths = DefaultExtraQemuPaths,
        QemuOverride = NonEmpty(Environment.GetEnvironmentVariable("VIREO_QEMU")),
        QemuImgOverride = NonEmpty(Environment.GetEnvironmentVariable("VIREO_QEMU_IMG")),
        StateDir = Path.GetFullPath(stateDir),
        FirmwareDescriptorDirs = Firmware.FirmwareLocator.DirsFromEnvironment(),
        IsRoot = Environment.IsPrivilegedProcess,
        Commands = new ProcessCommandRunner(),
        Devices = new LinuxDeviceNodes(),
        DiskSpace = Os.DiskSpace.Of,
    };

    internal string Proc(string relative) => Path.Combine(ProcRoot, relative);
    internal string Sys(string relative) => Path.Combine(SysRoot, relative);
    internal string Dev(string relative) => Path.Combine(DevRoot, relative);

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

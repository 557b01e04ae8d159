namespace Vireo.Qemu.Model;

/// <summary>Hardware accelerator.</summary>
public enum Accelerator
{
    /// <summary>Hardware virtualization through /dev/kvm.</summary>
    Kvm,
    /// <summary>QEMU's software emulation (Tiny Code Generator): works everywhere, much slower.</summary>
    Tcg,
}

/// <summary>What QEMU does when the guest reports a panic (<c>-action panic=</c>).</summary>
public enum PanicAction
{
    /// <summary>Stop the vCPUs and keep the process, so the engine (or a person) decides.</summary>
    Pause,
    /// <summary>Shut the machine down.</summary>
    Shutdown,
}

/// <summary>
/// Everything QEMU needs to run one machine, in QEMU's terms. The engine maps a VM spec onto this; the argv
/// builder turns it into a command line. Knows nothing of specs or the database.
/// </summary>
public sealed record QemuVmConfig
{
    /// <summary>Guest name (shown in process listings and QMP query-name).</summary>
    public required string Name { get; init; }
    /// <summary>SMBIOS UUID; also the key the engine uses to recognise its QEMU in /proc.</summary>
    public required Guid Uuid { get; init; }
    /// <summary>Machine type, e.g. <c>q35</c> or <c>pc</c>.</summary>
    public string Machine { get; init; } = "q35";
    /// <summary>Accelerator.</summary>
    public Accelerator Accel { get; init; } = Accelerator.Tcg;
    /// <summary>TCG translation-block cache in MiB; null keeps QEMU's default (1 GiB, which dominates RSS).</summary>
    public int? TcgTranslationCacheMiB { get; init; }
    /// <summary>CPU model: <c>host</c> (KVM only), <c>max</c>, or a named model.</summary>
    public string CpuModel { get; init; } = "max";
    /// <summary>Virtual CPUs.</summary>
    public int Vcpus { get; init; } = 1;
    /// <summary>Guest RAM in MiB.</summary>
    public long MemoryMiB { get; init; } = 128;
    /// <summary>Direct kernel boot, bypassing firmware boot from a disk.</summary>
    public DirectKernelBoot? Kernel { get; init; }
    /// <summary>QMP monitor socket path.</summary>
    public required string QmpSocket { get; init; }
    /// <summary>Pidfile QEMU writes after daemonizing.</summary>
    public required string PidFile { get; init; }
    /// <summary>Serial console (ttyS0), or null for none.</summary>
    public SerialConsoleConfig? Serial { get; init; }
    /// <summary>VNC display, or null for no graphics at all.</summary>
    public VncConfig? Vnc { get; init; }
    /// <summary>Guest panic handling.</summary>
    public PanicAction Panic { get; init; } = PanicAction.Pause;
    /// <summary>Keep QEMU alive, stopped, after the guest powers off (see the argv builder for why).</summary>
    public bool NoShutdown { get; init; } = true;
    /// <summary>Apply QEMU's seccomp sandbox.</summary>
    public bool Sandbox { get; init; } = true;
    /// <summary>Block nodes (-blockdev), each a protocol node plus a format node.</summary>
    public IReadOnlyList<BlockNode> BlockNodes { get; init; } = [];
    /// <summary>Host network backends (-netdev).</summary>
    public IReadOnlyList<NetdevConfig> Netdevs { get; init; } = [];
    /// <summary>Guest devices (-device), in order.</summary>
    public IReadOnlyList<IQemuDevice> Devices { get; init; } = [];
}

/// <summary>Kernel, initrd and command line for direct kernel boot.</summary>
/// <param name="Kernel">bzImage, or an ELF vmlinux with a PVH note.</param>
/// <param name="Initrd">Initial ramdisk, optional.</param>
/// <param name="Cmdline">Kernel command line, optional.</param>
public sealed record DirectKernelBoot(string Kernel, string? Initrd, string? Cmdline);

/// <summary>
/// The serial console: a Unix socket a client may attach to, and a log file QEMU appends everything to, whether
/// or not a client is attached (so output keeps being recorded while vireod is down).
/// </summary>
/// <param name="Socket">Console socket path.</param>
/// <param name="LogFile">Log file path, or null for no log.</param>
public sealed record SerialConsoleConfig(string Socket, string? LogFile);

/// <summary>VNC on 127.0.0.1 only: consoles reach remote users through the authenticated daemon, never directly.</summary>
/// <param name="Port">A fixed TCP port (5900 and up), or null for the first free display.</param>
public sealed record VncConfig(int? Port);

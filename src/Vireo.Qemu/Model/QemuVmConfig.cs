namespace Vireo.Qemu.Model;

/// <summary>
/// Everything QEMU needs to run one VM, in QEMU's own terms. <see cref="QemuCommandLine.Build"/> turns it into
/// argv; the device and netdev objects also give the JSON for QMP hot-plug.
/// All paths must be absolute: with -daemonize QEMU changes its working directory to "/".
/// </summary>
public sealed record QemuVmConfig
{
    /// <summary>VM name, shown by QEMU as the process/thread name prefix.</summary>
    public required string Name { get; init; }

    /// <summary>SMBIOS system UUID; also how a running QEMU is recognised from its /proc cmdline.</summary>
    public required Guid Uuid { get; init; }

    /// <summary>QEMU machine type: <c>q35</c> (default), <c>pc</c> or a versioned type such as <c>pc-q35-7.2</c>.</summary>
    public string MachineType { get; init; } = "q35";

    /// <summary>Accelerator.</summary>
    public QemuAccel Accel { get; init; } = QemuAccel.Tcg;

    /// <summary>
    /// TCG only: size of the translation-block cache in MiB. QEMU's default is 1 GiB for a system emulator, which
    /// dominates the RSS of a TCG guest; null keeps QEMU's default.
    /// </summary>
    public int? TcgTranslationCacheMiB { get; init; }

    /// <summary>CPU model: <c>host</c> (KVM only), <c>max</c> or a named model such as <c>Skylake-Client</c>.</summary>
    public string CpuModel { get; init; } = "max";

    /// <summary>Number of virtual CPUs present at start.</summary>
    public int Vcpus { get; init; } = 1;

    /// <summary>
    /// Most vCPUs the VM can have: above <see cref="Vcpus"/>, the rest are empty slots that a CPU can be
    /// hot-plugged into (QMP <c>query-hotpluggable-cpus</c>, <c>device_add</c>). Null: the same as Vcpus.
    /// </summary>
    public int? MaxVcpus { get; init; }

    /// <summary>
    /// Guest RAM in MiB: all the memory QEMU gives the guest. A VM that runs with less is held there by a
    /// <see cref="Vireo.Qemu.Model.Devices.VirtioBalloonPci"/>, so this is the most it can be given back live.
    /// </summary>
    public long MemoryMiB { get; init; } = 512;

    /// <summary>Direct kernel boot; null boots through the firmware using <see cref="BootOrder"/>.</summary>
    public DirectKernelBoot? DirectKernelBoot { get; init; }

    /// <summary>
    /// Firmware boot order. Each kind gives <c>bootindex</c> 1, 2, ... to the first device of that kind.
    /// Leave empty when devices carry explicit boot indexes.
    /// </summary>
    public IReadOnlyList<BootDevice> BootOrder { get; init; } = [];

    /// <summary>Absolute path of the QMP Unix socket QEMU listens on (at most 107 bytes).</summary>
    public required string QmpSocketPath { get; init; }

    /// <summary>Absolute path of the file QEMU writes its PID to (and removes when it exits cleanly).</summary>
    public required string PidFilePath { get; init; }

    /// <summary>Serial console on ttyS0; null means the guest has no serial port.</summary>
    public SerialConsoleConfig? SerialConsole { get; init; }

    /// <summary>VNC server on 127.0.0.1; null means none. Add a <see cref="Vireo.Qemu.Model.Devices.VideoDevice"/> so there is something to show.</summary>
    public VncConfig? Vnc { get; init; }

    /// <summary>What QEMU does on a guest panic reported through pvpanic.</summary>
    public PanicAction PanicAction { get; init; } = PanicAction.Pause;

    /// <summary>
    /// Keep QEMU alive (vCPUs stopped) after the guest powers off, instead of exiting. The engine needs this to
    /// implement reboot through ACPI as libvirt's "fake reboot" does: power-off, then system_reset + cont.
    /// </summary>
    public bool NoShutdown { get; init; } = true;

    /// <summary>Block nodes (image files); devices refer to them by <see cref="BlockNode.NodeName"/>.</summary>
    public IReadOnlyList<BlockNode> BlockNodes { get; init; } = [];

    /// <summary>Network backends; NIC devices refer to them by id.</summary>
    public IReadOnlyList<IQemuNetdev> Netdevs { get; init; } = [];

    /// <summary>Extra Unix-socket character devices (for example the guest agent's virtserialport).</summary>
    public IReadOnlyList<UnixSocketChardev> Chardevs { get; init; } = [];

    /// <summary>Guest devices, in the order their PCI slots are assigned.</summary>
    public IReadOnlyList<IQemuDevice> Devices { get; init; } = [];

    /// <summary>UEFI firmware as two pflash drives (code and this VM's variable store); null: SeaBIOS.</summary>
    public UefiFlash? Uefi { get; init; }

    /// <summary>
    /// A guest reboot powers the VM off instead (<c>-action reboot=shutdown</c>): the engine then restarts it
    /// itself, with a new configuration (a one-time boot order has been used up).
    /// </summary>
    public bool RebootIsShutdown { get; init; }
}

/// <summary>
/// UEFI (OVMF) flash: the read-only code and the VM's own writable variable store, both raw. Kept apart from
/// <see cref="QemuVmConfig.BlockNodes"/>: they are firmware, not disks (snapshots and backups treat the variable
/// store as a file).
/// </summary>
/// <param name="CodePath">OVMF code (pflash unit 0, read-only).</param>
/// <param name="VarsPath">This VM's variable store (pflash unit 1, writable).</param>
/// <param name="SecureBoot">Secure Boot build: needs SMM and a pflash only SMM code may write.</param>
public sealed record UefiFlash(string CodePath, string VarsPath, bool SecureBoot)
{
    /// <summary>Node name of the code's format node.</summary>
    public const string CodeNode = "pflash0";

    /// <summary>Node name of the variable store's format node.</summary>
    public const string VarsNode = "pflash1";

    /// <summary>The two block nodes: raw always, never probed; the code read-only.</summary>
    public IReadOnlyList<BlockNode> Nodes =>
    [
        new BlockNode(CodeNode, CodePath, DiskFormat.Raw) { ReadOnly = true, DiscardUnmap = false },
        new BlockNode(VarsNode, VarsPath, DiskFormat.Raw) { DiscardUnmap = false },
    ];
}

namespace Vireo.Qemu.Model;

/// <summary>The accelerator QEMU runs the guest with.</summary>
public enum QemuAccel
{
    /// <summary>Hardware virtualisation through /dev/kvm.</summary>
    Kvm,

    /// <summary>QEMU's software emulator (Tiny Code Generator); works everywhere, much slower.</summary>
    Tcg,
}

/// <summary>What QEMU does when the guest reports a panic (GUEST_PANICKED, through pvpanic).</summary>
public enum PanicAction
{
    /// <summary>Pause the guest so that its state can be inspected; the engine decides what follows.</summary>
    Pause,

    /// <summary>
    /// Request a shutdown. With <see cref="QemuVmConfig.NoShutdown"/> (the default) QEMU then stops the vCPUs
    /// and stays alive instead of exiting, emitting SHUTDOWN with reason "guest-panic".
    /// </summary>
    Shutdown,
}

/// <summary>A kind of boot device, mapped onto <c>bootindex</c> of the first device of that kind.</summary>
public enum BootDevice
{
    /// <summary>The first hard disk (virtio-blk, scsi-hd, ide-hd).</summary>
    Disk,

    /// <summary>The first CD-ROM drive (ide-cd, scsi-cd).</summary>
    Cdrom,

    /// <summary>The first network interface (PXE through the NIC's option ROM).</summary>
    Network,
}

/// <summary>Direct kernel boot: QEMU loads the kernel (and initrd) itself, bypassing the firmware's boot order.</summary>
/// <param name="KernelPath">Absolute path of a bzImage, a PVH ELF vmlinux or a multiboot image.</param>
/// <param name="InitrdPath">Absolute path of an initrd, if any.</param>
/// <param name="Cmdline">Kernel command line, if any.</param>
public sealed record DirectKernelBoot(string KernelPath, string? InitrdPath = null, string? Cmdline = null);

/// <summary>
/// The guest's first serial port (ttyS0) as a Unix socket that a console client can attach to, plus a log file
/// that QEMU itself appends everything the guest prints to, whether or not anyone is attached.
/// </summary>
/// <param name="SocketPath">Absolute path of the listening Unix socket (at most 107 bytes).</param>
/// <param name="LogFilePath">Absolute path of the console log; QEMU appends to it.</param>
public sealed record SerialConsoleConfig(string SocketPath, string LogFilePath);

/// <summary>VNC server, always bound to 127.0.0.1.</summary>
public sealed record VncConfig
{
    /// <summary>Lowest VNC port: display 0.</summary>
    public const int BasePort = 5900;

    /// <summary>Highest display number tried when the port is chosen automatically.</summary>
    public const int AutoMaxDisplay = 99;

    /// <summary>Fixed TCP port (at least 5900), or null to take the first free display from 5900 up.</summary>
    public int? Port { get; init; }

    /// <summary>The first free display from port 5900 up (QEMU's <c>to=</c> option); ask QMP query-vnc for the port.</summary>
    public static VncConfig Auto { get; } = new();

    /// <summary>A fixed TCP port; QEMU fails to start if it is taken.</summary>
    public static VncConfig Fixed(int port) => new() { Port = port };
}

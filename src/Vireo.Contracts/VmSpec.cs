namespace Vireo.Contracts;

/// <summary>
/// The declarative definition of a virtual machine: YAML on disk, the same model as JSON in the API.
/// Field names are snake_case on the wire. See docs/vm-spec.md for the schema.
/// </summary>
public sealed record VmSpec
{
    /// <summary>Unique name, matching <c>[A-Za-z0-9][A-Za-z0-9._-]{0,62}</c>. Example: <c>web1</c>.</summary>
    public required string Name { get; init; }

    /// <summary>RFC 4122 UUID; generated at define time when absent. Example: <c>6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11</c>.</summary>
    public string? Uuid { get; init; }

    /// <summary>Free text shown by <c>vireo info</c>.</summary>
    public string? Description { get; init; }

    /// <summary>Image the VM was created from (<c>tiny</c>), if any; informational once defined.</summary>
    public string? Image { get; init; }

    /// <summary>
    /// Operating system, as an osinfo short ID (<c>debian12</c>, <c>win2k22</c>; see <c>vireo os list</c>). Chooses
    /// defaults at create time (memory, disk size, firmware, disk and NIC buses); informational once defined.
    /// </summary>
    public string? Os { get; init; }

    /// <summary>Number of virtual CPUs, 1 up to the host's logical CPU count. Example: <c>2</c>.</summary>
    public int Vcpus { get; init; } = 1;

    /// <summary>
    /// Most vCPUs a running VM can be given by hot-plug (<c>vireo set VM --vcpus N</c> while it runs); QEMU starts
    /// with this many possible CPUs and <see cref="Vcpus"/> of them present. Null: the same as <see cref="Vcpus"/>.
    /// </summary>
    public int? MaxVcpus { get; init; }

    /// <summary>Guest memory in MiB (the YAML form also accepts sizes such as <c>512MiB</c> or <c>2G</c>). Minimum 16.</summary>
    public long Memory { get; init; } = 512;

    /// <summary>
    /// Most memory (MiB) a running VM can be given through the balloon (<c>vireo set VM --memory SIZE</c> while it
    /// runs): QEMU starts with this much RAM and the balloon holds the guest to <see cref="Memory"/>. Null: the
    /// same as <see cref="Memory"/> (a running VM can then only be given less).
    /// </summary>
    public long? MaxMemory { get; init; }

    /// <summary>QEMU machine type. Example: <c>q35</c> (default) or <c>pc</c>.</summary>
    public string Machine { get; init; } = "q35";

    /// <summary>CPU model: <c>auto</c> (host with KVM, max under TCG), <c>host</c>, <c>max</c> or a QEMU model name.</summary>
    public string Cpu { get; init; } = "auto";

    /// <summary>Accelerator: <c>auto</c> (KVM when usable, else TCG), <c>kvm</c> or <c>tcg</c>.</summary>
    public string Accel { get; init; } = "auto";

    /// <summary>How the VM boots.</summary>
    public BootSpec Boot { get; init; } = new();

    /// <summary>Disks and CD-ROM drives, in order.</summary>
    public IReadOnlyList<DiskSpec> Disks { get; init; } = [];

    /// <summary>Network interfaces, in order.</summary>
    public IReadOnlyList<NicSpec> Nics { get; init; } = [];

    /// <summary>Serial console (ttyS0): logged to a file per VM and attachable with <c>vireo console</c>. Default true.</summary>
    public bool Serial { get; init; } = true;

    /// <summary>Graphical console.</summary>
    public GraphicsSpec Graphics { get; init; } = new();

    /// <summary>Start the VM when vireod starts.</summary>
    public bool Autostart { get; init; }

    /// <summary>What to do when the guest crashes.</summary>
    public OnCrash OnCrash { get; init; } = OnCrash.Destroy;

    /// <summary>
    /// cloud-init settings (NoCloud): vireod builds a <c>cidata</c> seed ISO from them and attaches it read-only.
    /// Null: no seed.
    /// </summary>
    public CloudInitSpec? CloudInit { get; init; }
}

/// <summary>cloud-init NoCloud settings; the seed is rebuilt (with a fresh instance-id) whenever they change.</summary>
public sealed record CloudInitSpec
{
    /// <summary>User to create, with sudo rights. Example: <c>ops</c>.</summary>
    public string? User { get; init; }

    /// <summary>SSH public keys authorized for <see cref="User"/> (OpenSSH one-line format).</summary>
    public IReadOnlyList<string> SshAuthorizedKeys { get; init; } = [];

    /// <summary>SHA-512 crypt hash (<c>$6$...</c>) of the user's password; the plaintext is never stored.</summary>
    public string? PasswordHash { get; init; }

    /// <summary>Guest host name. Default: the VM name.</summary>
    public string? Hostname { get; init; }

    /// <summary>Debian packages to install on first boot.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>Full user-data (YAML, <c>#cloud-config</c>) replacing the generated one; other settings are merged in.</summary>
    public string? UserData { get; init; }

    /// <summary>network-config (version 2 YAML), for example a static address on a bridge. Null: DHCP.</summary>
    public string? NetworkConfig { get; init; }
}

/// <summary>Boot configuration: direct kernel boot, or firmware booting from disks in <see cref="Order"/>.</summary>
public sealed record BootSpec
{
    /// <summary>Absolute path of a kernel for direct kernel boot (bzImage, or an ELF vmlinux with a PVH note).</summary>
    public string? Kernel { get; init; }

    /// <summary>Absolute path of an initrd for direct kernel boot.</summary>
    public string? Initrd { get; init; }

    /// <summary>Kernel command line for direct kernel boot. Example: <c>console=ttyS0</c>.</summary>
    public string? Cmdline { get; init; }

    /// <summary>Firmware boot order when no kernel is given: <c>disk</c>, <c>cdrom</c>, <c>network</c>.</summary>
    public IReadOnlyList<string> Order { get; init; } = [];

    /// <summary>
    /// Boot order for the next boot only (virt-install's install phase: <c>[cdrom]</c> boots the installer once);
    /// vireod clears it when the guest first reboots or powers off, and <see cref="Order"/> applies from then on.
    /// </summary>
    public IReadOnlyList<string> Once { get; init; } = [];

    /// <summary>Firmware: <c>bios</c> (SeaBIOS, default) or <c>uefi</c> (OVMF, with a per-VM NVRAM variable store).</summary>
    public string Firmware { get; init; } = "bios";

    /// <summary>UEFI Secure Boot (OVMF's secure-boot build with Microsoft keys enrolled); needs <c>firmware: uefi</c>.</summary>
    public bool SecureBoot { get; init; }
}

/// <summary>A disk or CD-ROM drive backed by an image file.</summary>
public sealed record DiskSpec
{
    /// <summary>
    /// A volume of a storage pool, <c>POOL/NAME</c> (see <c>vireo vol list</c>); its path and format come from the
    /// pool. Give either this or <see cref="Path"/>. Example: <c>default/web1-root.qcow2</c>.
    /// </summary>
    public string? Volume { get; init; }

    /// <summary>Absolute path of the image. Optional for an empty CD-ROM drive.</summary>
    public string? Path { get; init; }

    /// <summary>Image format, always explicit (QEMU never probes it): <c>raw</c> or <c>qcow2</c>.</summary>
    public string? Format { get; init; }

    /// <summary><c>disk</c> (default) or <c>cdrom</c>.</summary>
    public string Device { get; init; } = "disk";

    /// <summary>Bus: <c>virtio</c> (default for disks), <c>sata</c> (default for CD-ROMs) or <c>scsi</c>.</summary>
    public string? Bus { get; init; }

    /// <summary>Attach read-only. CD-ROMs are always read-only.</summary>
    public bool Readonly { get; init; }

    /// <summary>Serial number the guest sees (up to 20 characters).</summary>
    public string? Serial { get; init; }

    /// <summary>
    /// Host cache mode, with libvirt's meanings: <c>none</c> (O_DIRECT; the default where the file system supports
    /// it, else <c>writeback</c>), <c>writeback</c>, <c>writethrough</c>, <c>directsync</c>, <c>unsafe</c>.
    /// </summary>
    public string? Cache { get; init; }

    /// <summary>
    /// I/O submission: <c>io_uring</c>, <c>native</c> (needs cache none or directsync) or <c>threads</c>. Default:
    /// io_uring where QEMU and the kernel support it, else native with O_DIRECT, else threads.
    /// </summary>
    public string? Aio { get; init; }

    /// <summary>Guest TRIM/UNMAP: <c>unmap</c> (default: freed blocks are freed in the image) or <c>ignore</c>.</summary>
    public string? Discard { get; init; }
}

/// <summary>A network interface.</summary>
public sealed record NicSpec
{
    /// <summary><c>network</c> (a Vireo network, see <c>vireo net</c>), <c>bridge</c> (a tap on an existing host bridge)
    /// or <c>user</c> (QEMU user-mode networking).</summary>
    public string Type { get; init; } = "user";

    /// <summary>Vireo network for <c>type: network</c>. Example: <c>default</c>.</summary>
    public string? Network { get; init; }

    /// <summary>Host bridge for <c>type: bridge</c>. Example: <c>br0</c>.</summary>
    public string? Bridge { get; init; }

    /// <summary>Link state: true (default) for cable plugged in, false for unplugged.</summary>
    public bool Link { get; init; } = true;

    /// <summary>MAC address; generated (52:54:00 prefix) when absent.</summary>
    public string? Mac { get; init; }

    /// <summary>Device model: <c>virtio</c> (default), <c>e1000e</c> or <c>rtl8139</c>.</summary>
    public string Model { get; init; } = "virtio";
}

/// <summary>Graphical console.</summary>
public sealed record GraphicsSpec
{
    /// <summary><c>vnc</c> (default; listens on 127.0.0.1 only) or <c>none</c>.</summary>
    public string Type { get; init; } = "vnc";

    /// <summary>VNC TCP port (5900-65535); null picks the first free display.</summary>
    public int? Port { get; init; }
}

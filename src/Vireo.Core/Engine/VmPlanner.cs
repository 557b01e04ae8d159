using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host;
using Vireo.Qemu;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Core.Engine;

/// <summary>A VM's QEMU configuration, worked out before anything on the host changes.</summary>
internal sealed record VmPlan(QemuVmConfig Config, IReadOnlyList<string> Argv, string Accel, string? AccelWarning, IReadOnlyList<BridgePort> BridgePorts)
{
    /// <summary>The OVMF variable-store template copied to the VM's own store when it has none yet; null: BIOS.</summary>
    public string? UefiVarsTemplate { get; init; }

    /// <summary>NIC device ids whose link starts down (spec <c>link: false</c>); set before the guest runs.</summary>
    public IReadOnlyList<string> LinksDown { get; init; } = [];
}

/// <summary>A tap QEMU creates that the engine must put into a host bridge before the guest runs.</summary>
internal sealed record BridgePort(string Tap, string Bridge);

/// <summary>
/// Maps a VM spec onto QEMU's typed model (phase 1 of a start). Pure apart from reading host facts (KVM, files,
/// bridges), and it refuses before anything is created.
/// </summary>
internal sealed class VmPlanner(KvmStatus kvm, Func<string, bool>? fileExists = null, Func<string, bool>? bridgeExists = null,
    Func<string, string, Networks.NetworkAttachment>? resolveNetwork = null, Func<string, bool>? directIo = null, bool ioUring = false,
    Func<string, IReadOnlyList<string>>? dependantsOf = null, Vireo.Host.Firmware.FirmwareLocator? firmware = null)
{
    private readonly Vireo.Host.Firmware.FirmwareLocator _firmware = firmware
        ?? new Vireo.Host.Firmware.FirmwareLocator(Vireo.Host.Firmware.FirmwareLocator.DirsFromEnvironment());

    /// <summary>Why OVMF cannot be used (argument: Secure Boot wanted), or null when it is installed.</summary>
    public string? UefiMissing(bool secureBoot) => _firmware.Find(secureBoot) is null ? _firmware.MissingDetail(secureBoot) : null;

    private readonly Func<string, IReadOnlyList<string>> _dependantsOf = dependantsOf ?? (_ => []);
    private readonly Func<string, bool> _directIo = directIo ?? Vireo.Host.Os.DiskIoSupport.SupportsDirectIo;
    private readonly Func<string, string, Networks.NetworkAttachment> _resolveNetwork = resolveNetwork
        ?? ((network, field) => throw InvalidInputException.For("VM spec", [new FieldError { Field = field, Value = network, Message = "cannot be used: this engine has no networks" }]));
    private readonly Func<string, bool> _fileExists = fileExists ?? File.Exists;
    private readonly Func<string, bool> _bridgeExists = bridgeExists ?? (name => Directory.Exists($"/sys/class/net/{name}/bridge"));

    public KvmStatus Accel => kvm;

    /// <summary>The warning shown for a VM running under <paramref name="accel"/>, or null.</summary>
    public string? AccelWarningFor(string accel) => accel switch
    {
        "tcg" => kvm.TcgWarning ?? "running under TCG software emulation by request (accel: tcg): much slower than KVM",
        "kvm" when kvm.PvmOnly => "running on KVM through kvm_pvm by request (accel: kvm): only a guest kernel built for PVM boots",
        _ => null,
    };

    public VmPlan Plan(VmSpec spec, VmPaths paths)
    {
        var errors = new List<FieldError>();
        void Error(string field, string? value, string message, string? hint = null) =>
            errors.Add(new FieldError { Field = field, Value = value, Message = message, Hint = hint });

        var accel = spec.Accel switch
        {
            "kvm" when !kvm.Requestable => Fail(QemuAccel.Tcg, () => Error("accel", "kvm", $"is not available here: {kvm.Detail}; use accel: auto to fall back to TCG")),
            "kvm" => QemuAccel.Kvm,
            "tcg" => QemuAccel.Tcg,
            _ => kvm.Usable ? QemuAccel.Kvm : QemuAccel.Tcg,
        };
        var cpu = spec.Cpu switch
        {
            "auto" => accel == QemuAccel.Kvm ? "host" : "max",
            "host" when accel == QemuAccel.Tcg => Fail("max", () => Error("cpu", "host", "needs KVM, which this VM does not use; use auto or max")),
            var model => model,
        };

        DirectKernelBoot? kernel = null;
        if (spec.Boot.Kernel is { } kernelPath)
        {
            if (!_fileExists(kernelPath))
                Error("boot.kernel", kernelPath, "no longer exists; fix the path in the spec",
                    hint: $"Edit the spec: vireo dumpspec {spec.Name} > FILE, fix it, then undefine and define it again");
            if (spec.Boot.Initrd is { } initrd && !_fileExists(initrd))
                Error("boot.initrd", initrd, "no longer exists; fix the path in the spec");
            kernel = new DirectKernelBoot(kernelPath, spec.Boot.Initrd, spec.Boot.Cmdline);
        }

        UefiFlash? uefi = null;
        string? varsTemplate = null;
        if (spec.Boot.Firmware == "uefi")
        {
            if (_firmware.Find(spec.Boot.SecureBoot) is { } fw)
            {
                uefi = new UefiFlash(fw.CodePath, paths.UefiVars, fw.RequiresSmm || fw.SecureBoot);
                varsTemplate = fw.VarsTemplatePath;
            }
            else
            {
                Error(spec.Boot.SecureBoot ? "boot.secure_boot" : "boot.firmware", spec.Boot.SecureBoot ? "true" : "uefi",
                    $"cannot be used: {_firmware.MissingDetail(spec.Boot.SecureBoot)}; install the ovmf package, or use firmware: bios",
                    hint: "Install it: apt-get install ovmf");
            }
            // QEMU loads a PVH ELF through SeaBIOS's linuxboot option ROM; OVMF's loader takes only EFI-stub bzImages.
            if (spec.Boot.Kernel is { } elfKernel && _fileExists(elfKernel) && IsElf(elfKernel))
                Error("boot.kernel", elfKernel, "is an uncompressed ELF kernel (PVH entry), which only firmware: bios boots directly; " +
                    "give a bzImage (vmlinuz) for firmware: uefi, or use firmware: bios");
        }

        var blockNodes = new List<BlockNode>();
        var devices = new List<IQemuDevice>();
        var sataIndex = 0;
        var scsiLun = 0;
        var cdroms = 0;
        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            var cdrom = disk.Device == "cdrom";
            var ids = DiskIds(disk, cdrom ? cdroms++ : 0);
            string? node = null;
            bool? writeCache = null;
            if (disk.Path is { } diskPath)
            {
                if (!_fileExists(diskPath))
                    Error($"disks[{i}].path", diskPath, "no longer exists");
                node = ids.Node;
                if (!disk.Readonly && !cdrom && _dependantsOf(diskPath) is { Count: > 0 } dependants)
                    Error($"disks[{i}].{(disk.Volume is null ? "path" : "volume")}", disk.Volume ?? diskPath,
                        $"is the base of linked clones ({string.Join(", ", dependants)}), which read their unchanged blocks from it; " +
                        "writing to it would change them",
                        hint: $"Make it readonly: true, or run a linked clone of it instead: vireo clone {spec.Name} NEW --linked");
                var io = DiskIo(disk, diskPath, cdrom, $"disks[{i}]", (field, value, message) => Error(field, value, message));
                writeCache = io.Cache is DiskCacheMode.Writethrough or DiskCacheMode.Directsync ? false : null;
                blockNodes.Add(new BlockNode(node, diskPath, disk.Format == "qcow2" ? DiskFormat.Qcow2 : DiskFormat.Raw)
                {
                    ReadOnly = disk.Readonly || cdrom,
                    DiscardUnmap = !cdrom && disk.Discard != "ignore",
                    Cache = io.Cache,
                    Aio = io.Aio,
                });
            }
            var id = ids.Device;
            switch (disk.Bus ?? (cdrom ? "sata" : "virtio"))
            {
                case "virtio":
                    devices.Add(new VirtioBlkPci(id, node!) { Serial = disk.Serial, WriteCache = writeCache });
                    break;
                case "scsi":
                    if (scsiLun == 0)
                        devices.Add(new VirtioScsiPci(ScsiController));
                    devices.Add(cdrom
                        ? new ScsiCd(id, node, ScsiController, scsiLun++)
                        : new ScsiHd(id, node!, ScsiController, scsiLun++) { Serial = disk.Serial, WriteCache = writeCache });
                    break;
                default:
                    if (sataIndex >= SataSlot.Count(spec.Machine))
                    {
                        Error($"disks[{i}].bus", "sata", $"exceeds the {SataSlot.Count(spec.Machine)} SATA/IDE slots of the machine; use virtio or scsi");
                        break;
                    }
                    var slot = SataSlot.For(spec.Machine, sataIndex++);
                    devices.Add(cdrom ? new IdeCd(id, node, slot) : new IdeHd(id, node!, slot) { Serial = disk.Serial, WriteCache = writeCache });
                    break;
            }
        }

        if (spec.CloudInit is not null)
        {
            // The cloud-init seed: an implicit read-only CD-ROM after the spec's disks, with ids of its own so that
            // CD-ROM commands (which number the spec's drives) never touch it.
            if (sataIndex >= SataSlot.Count(spec.Machine))
                Error("cloud_init", null, $"needs a free SATA slot for its seed CD-ROM, and the spec's disks use all {SataSlot.Count(spec.Machine)}; move a disk to virtio or scsi");
            else
            {
                var seed = new DiskSpec { Path = paths.CloudInitSeed, Format = "raw", Device = "cdrom", Readonly = true };
                var io = DiskIo(seed, paths.CloudInitSeed, cdrom: true, "cloud_init", (field, value, message) => Error(field, value, message));
                blockNodes.Add(new BlockNode(CloudInitNode, paths.CloudInitSeed, DiskFormat.Raw) { ReadOnly = true, Cache = io.Cache, Aio = io.Aio });
                devices.Add(new IdeCd(CloudInitDevice, CloudInitNode, SataSlot.For(spec.Machine, sataIndex++)));
            }
        }

        var netdevs = new List<IQemuNetdev>();
        var bridgePorts = new List<BridgePort>();
        var linksDown = new List<string>();
        var vhost = _fileExists("/dev/vhost-net");
        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            var id = NicId(nic.Mac!);
            var queues = 1;
            string? bridge = null;
            IReadOnlyList<HostForward> forwards = [];
            if (nic.Type == "bridge")
            {
                if (!_bridgeExists(nic.Bridge!))
                    Error($"nics[{i}].bridge", nic.Bridge, "is not a bridge on this host; create it first or fix the name",
                        hint: $"Create it: vireo net bridge-uplink {nic.Bridge} --from NIC (or ip link add {nic.Bridge} type bridge)");
                bridge = nic.Bridge!;
            }
            else if (nic.Type == "network")
            {
                try
                {
                    var attachment = _resolveNetwork(nic.Network!, $"nics[{i}].network");
                    if (attachment.Mode == NetworkMode.User)
                        forwards = attachment.UserForwards.Select(ToHostForward).ToList();
                    else
                        bridge = attachment.Bridge;
                }
                catch (InvalidInputException e)
                {
                    errors.AddRange(e.FieldErrors);
                }
            }
            if (bridge is not null)
            {
                // Multiqueue spreads packet processing over vCPUs; only taps have it, and only virtio uses it.
                queues = nic.Model == "virtio" ? Math.Clamp(spec.Vcpus, 1, 8) : 1;
                var tap = TapName(nic.Mac!);
                netdevs.Add(new TapNetdev(id, tap) { Vhost = vhost, Queues = queues });
                bridgePorts.Add(new BridgePort(tap, bridge));
            }
            else
            {
                netdevs.Add(new UserNetdev(id) { HostForwards = forwards });
            }
            if (!nic.Link)
                linksDown.Add(id);
            devices.Add(NicDevice(nic, id, queues));
        }

        if (spec.Machine.StartsWith("q35", StringComparison.Ordinal) || spec.Machine.Contains("-q35", StringComparison.Ordinal))
        {
            // Spare root ports, as libvirt adds: q35 cannot hot-plug onto pcie.0, only into an empty root port.
            for (var port = 0; port < VirtualMachine.HotplugPorts; port++)
                devices.Add(new PcieRootPort($"hotplug{port}", port + 1, 0x10 + port));
        }
        devices.Add(new PvPanic());
        devices.Add(new VirtioRngPci());
        VncConfig? vnc = null;
        if (spec.Graphics.Type == "vnc")
        {
            devices.Add(new VideoDevice());
            vnc = spec.Graphics.Port is { } port ? VncConfig.Fixed(port) : VncConfig.Auto;
        }
        // Every VM gets a memory balloon, as libvirt adds a memballoon by default: a running VM can then be given
        // less memory than QEMU started with (max_memory), and more again. It comes last, so the devices before it
        // keep the PCI addresses they had before VMs had a balloon (guest NIC names, older memory snapshots).
        devices.Add(new VirtioBalloonPci());
        // The QEMU guest agent's channel: a virtio-serial controller with one port, named as qemu-ga looks for it
        // (/dev/virtio-ports/org.qemu.guest_agent.0), on a chardev socket QEMU serves (server=on,wait=off) in the
        // VM's state dir; vireod connects on demand, as to the QMP socket. After the balloon, so the devices before
        // keep their PCI addresses. A guest without an agent leaves the port closed: calls time out, nothing else.
        devices.Add(new VirtioSerialPci(AgentController));
        devices.Add(new VirtSerialPort(AgentPortId, AgentController, AgentChardevId, VirtSerialPort.GuestAgentPortName));

        if (errors.Count > 0)
            throw InvalidInputException.For("VM spec", errors);

        var memory = spec.MaxMemory ?? spec.Memory;
        var config = new QemuVmConfig
        {
            Name = spec.Name,
            Uuid = Guid.Parse(spec.Uuid!),
            MachineType = spec.Machine,
            Accel = accel,
            // TCG's translation cache defaults to 1 GiB and dominates QEMU's memory; small guests need far less.
            // Sized on the RAM QEMU is given: the balloon can hand all of it back to the guest while it runs.
            TcgTranslationCacheMiB = accel == QemuAccel.Tcg ? (memory <= 512 ? 128 : 256) : null,
            CpuModel = cpu,
            Vcpus = spec.Vcpus,
            // Empty CPU slots for hot-plug; null or equal to Vcpus: none.
            MaxVcpus = spec.MaxVcpus,
            // QEMU starts with the most memory the VM may have; the start holds the guest to spec.Memory through
            // the balloon before it runs (VirtualMachine.StartCoreAsync).
            MemoryMiB = memory,
            DirectKernelBoot = kernel,
            // A one-time order replaces the normal one for this boot; a guest reboot then ends the process.
            BootOrder = (spec.Boot.Once.Count > 0 ? spec.Boot.Once : spec.Boot.Order).Select(o => o switch
            {
                "cdrom" => BootDevice.Cdrom,
                "network" => BootDevice.Network,
                _ => BootDevice.Disk,
            }).ToList(),
            QmpSocketPath = paths.QmpSocket,
            PidFilePath = paths.PidFile,
            SerialConsole = spec.Serial ? new SerialConsoleConfig(paths.ConsoleSocket, paths.SerialLog) : null,
            Vnc = vnc,
            PanicAction = PanicAction.Pause,
            BlockNodes = blockNodes,
            Netdevs = netdevs,
            Devices = devices,
            Uefi = uefi,
            RebootIsShutdown = spec.Boot.Once.Count > 0,
            Chardevs = [new UnixSocketChardev(AgentChardevId, paths.AgentSocket)],
        };
        IReadOnlyList<string> argv;
        try
        {
            argv = QemuCommandLine.Build(config);
        }
        catch (QemuConfigException e)
        {
            // The spec validator should have caught these; reaching here is a gap between the two layers.
            throw new InvalidInputException($"cannot build a QEMU configuration: {string.Join("; ", e.Problems)}");
        }
        var accelName = accel == QemuAccel.Kvm ? "kvm" : "tcg";
        return new VmPlan(config, argv, accelName, AccelWarningFor(accelName), bridgePorts) { LinksDown = linksDown, UefiVarsTemplate = varsTemplate };
    }

    private static bool IsElf(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return f.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Block node and device id of the cloud-init seed CD-ROM.</summary>
    internal const string CloudInitNode = "cidata";
    internal const string CloudInitDevice = "cidata-cd";
    /// <summary>Ids of the guest agent's virtio-serial controller, port and chardev.</summary>
    internal const string AgentController = "virtio-serial0", AgentPortId = "qga0", AgentChardevId = "charqga0";

    /// <summary>The virtio-scsi controller that SCSI disks and CD-ROMs attach to.</summary>
    internal const string ScsiController = "scsi0";

    /// <summary>
    /// The block node and device id of a disk. A disk's ids derive from its image path (unique within a VM), so
    /// they stay the same whatever its position in the spec: disks can be hot-plugged and unplugged in any order
    /// and every later plan still names the nodes the running QEMU has. CD-ROM drives, whose medium changes and
    /// which are never hot-plugged, are numbered in order instead.
    /// </summary>
    internal static (string Node, string Device) DiskIds(DiskSpec disk, int cdromOrdinal)
    {
        if (disk.Device == "cdrom")
            return ($"cd{cdromOrdinal}", $"cdrom{cdromOrdinal}");
        var hash = PathHash(Path.GetFullPath(disk.Path!));
        return ($"drv{hash}", $"disk{hash}");
    }

    private static string PathHash(string path)
    {
        // FNV-1a, 32 bits: stable across processes (string.GetHashCode is randomised per process).
        var h = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(path))
            h = (h ^ b) * 16777619u;
        return h.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Cache and aio for one image: the spec's choice when it can work here, else the best mode that can
    /// (cache none where the file system takes O_DIRECT, io_uring where QEMU and the kernel have it).
    /// </summary>
    private (DiskCacheMode Cache, DiskAioMode Aio) DiskIo(DiskSpec disk, string path, bool cdrom, string at, Action<string, string?, string> error)
    {
        var direct = _fileExists(path) && _directIo(path);
        var cache = disk.Cache switch
        {
            "none" => DiskCacheMode.None,
            "directsync" => DiskCacheMode.Directsync,
            "writethrough" => DiskCacheMode.Writethrough,
            "unsafe" => DiskCacheMode.Unsafe,
            "writeback" => DiskCacheMode.Writeback,
            // Read-only media (ISOs) gain nothing from bypassing the page cache.
            _ => direct && !cdrom ? DiskCacheMode.None : DiskCacheMode.Writeback,
        };
        var wantsDirect = cache is DiskCacheMode.None or DiskCacheMode.Directsync;
        if (wantsDirect && !direct && _fileExists(path))
            error($"{at}.cache", disk.Cache, $"needs O_DIRECT, which the file system holding {path} does not support (tmpfs, some FUSE); use cache: writeback");
        var aio = disk.Aio switch
        {
            "threads" => DiskAioMode.Threads,
            "native" => DiskAioMode.Native,
            "io_uring" => DiskAioMode.IoUring,
            _ => ioUring ? DiskAioMode.IoUring : wantsDirect ? DiskAioMode.Native : DiskAioMode.Threads,
        };
        if (aio == DiskAioMode.IoUring && !ioUring)
            error($"{at}.aio", disk.Aio, "is not available here (QEMU without liburing, or kernel.io_uring_disabled set); use native or threads, or leave aio out");
        if (aio == DiskAioMode.Native && !wantsDirect && disk.Aio is not null)
            error($"{at}.aio", disk.Aio, $"needs O_DIRECT, and this disk uses cache {cache.ToString().ToLowerInvariant()}; use cache: none or directsync, or aio: threads");
        return (cache, aio);
    }

    internal static IQemuDevice NicDevice(NicSpec nic, string id, int queues) => nic.Model switch
    {
        "e1000e" => new E1000e(id, id, nic.Mac!),
        "rtl8139" => new Rtl8139(id, id, nic.Mac!),
        _ => new VirtioNetPci(id, id, nic.Mac!) { Queues = queues },
    };

    private static HostForward ToHostForward(PortForward f) =>
        // A forward without a host address listens on every address, as it does on a nat network.
        new(f.Protocol == "udp" ? ForwardProtocol.Udp : ForwardProtocol.Tcp, f.HostPort, f.GuestPort) { HostAddress = f.HostAddress ?? "" };

    /// <summary>A tap name unique per VM and NIC within Linux's 15-character limit.</summary>
    /// <remarks>
    /// Derived from the MAC, which is unique on the host: a NIC keeps its tap and device id whatever its position
    /// in the spec, so NICs can be plugged and unplugged live in any order.
    /// </remarks>
    internal static string TapName(string mac) => $"vt{Hex(mac)}";

    /// <summary>The QEMU device and netdev id of a NIC: <c>net</c> and its MAC in hex.</summary>
    internal static string NicId(string mac) => $"net{Hex(mac)}";

    private static string Hex(string mac) => mac.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();

    private static T Fail<T>(T fallback, Action report)
    {
        report();
        return fallback;
    }
}

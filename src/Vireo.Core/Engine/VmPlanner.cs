using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Engine;

/// <summary>A VM's QEMU configuration, worked out before anything on the host changes.</summary>
internal sealed record VmPlan(QemuVmConfig Config, IReadOnlyList<string> Argv, string Accel, string? AccelWarning, IReadOnlyList<BridgePort> BridgePorts);

/// <summary>A tap QEMU creates that the engine must put into a host bridge before the guest runs.</summary>
internal sealed record BridgePort(string Tap, string Bridge);

/// <summary>
/// Maps a VM spec onto QEMU's typed model (phase 1 of a start). Pure apart from reading host facts (KVM, files,
/// bridges), and it refuses before anything is created.
/// </summary>
internal sealed class VmPlanner(KvmStatus kvm, Func<string, bool>? fileExists = null, Func<string, bool>? bridgeExists = null)
{
    private readonly Func<string, bool> _fileExists = fileExists ?? File.Exists;
    private readonly Func<string, bool> _bridgeExists = bridgeExists ?? (name => Directory.Exists($"/sys/class/net/{name}/bridge"));

    public KvmStatus Accel => kvm;

    /// <summary>The warning shown for a VM running under <paramref name="accel"/>, or null.</summary>
    public string? AccelWarningFor(string accel) => accel == "tcg"
        ? kvm.TcgWarning ?? "running under TCG software emulation by request (accel: tcg): much slower than KVM"
        : null;

    public VmPlan Plan(VmSpec spec, VmPaths paths)
    {
        var errors = new List<FieldError>();
        void Error(string field, string? value, string message) => errors.Add(new FieldError { Field = field, Value = value, Message = message });

        var accel = spec.Accel switch
        {
            "kvm" when !kvm.Usable => Fail(Accelerator.Tcg, () => Error("accel", "kvm", $"is not available here: {kvm.Reason}; use accel: auto to fall back to TCG")),
            "kvm" => Accelerator.Kvm,
            "tcg" => Accelerator.Tcg,
            _ => kvm.Usable ? Accelerator.Kvm : Accelerator.Tcg,
        };
        var cpu = spec.Cpu switch
        {
            "auto" => accel == Accelerator.Kvm ? "host" : "max",
            "host" when accel == Accelerator.Tcg => Fail("max", () => Error("cpu", "host", "needs KVM, which this VM does not use; use auto or max")),
            var model => model,
        };

        DirectKernelBoot? kernel = null;
        if (spec.Boot.Kernel is { } kernelPath)
        {
            if (!_fileExists(kernelPath))
                Error("boot.kernel", kernelPath, "no longer exists; fix the path in the spec (vireo dumpspec / vireo define)");
            if (spec.Boot.Initrd is { } initrd && !_fileExists(initrd))
                Error("boot.initrd", initrd, "no longer exists; fix the path in the spec");
            kernel = new DirectKernelBoot(kernelPath, spec.Boot.Initrd, spec.Boot.Cmdline);
        }

        var order = spec.Boot.Order;
        int? BootIndex(string kind, bool firstOfKind) => firstOfKind && order.Contains(kind) ? order.ToList().IndexOf(kind) + 1 : null;

        var blockNodes = new List<BlockNode>();
        var devices = new List<IQemuDevice>();
        var sataPort = 0;
        var scsiLun = 0;
        bool firstDisk = true, firstCdrom = true;
        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            var cdrom = disk.Device == "cdrom";
            string? node = null;
            if (disk.Path is { } diskPath)
            {
                if (!_fileExists(diskPath))
                    Error($"disks[{i}].path", diskPath, "no longer exists");
                node = $"drive{i}";
                blockNodes.Add(new BlockNode
                {
                    NodeName = node,
                    Filename = diskPath,
                    Format = disk.Format == "qcow2" ? ImageFormat.Qcow2 : ImageFormat.Raw,
                    ReadOnly = disk.Readonly || cdrom,
                    Discard = !cdrom,
                });
            }
            var bootIndex = cdrom ? BootIndex("cdrom", firstCdrom) : BootIndex("disk", firstDisk);
            if (cdrom)
                firstCdrom = false;
            else
                firstDisk = false;
            var bus = disk.Bus ?? (cdrom ? "sata" : "virtio");
            switch (bus)
            {
                case "virtio":
                    devices.Add(new VirtioBlkDevice($"disk{i}", node!, disk.Serial, bootIndex));
                    break;
                case "scsi":
                    if (scsiLun == 0)
                        devices.Add(new VirtioScsiControllerDevice("scsi0"));
                    devices.Add(new ScsiDevice($"disk{i}", "scsi0", scsiLun++, node, cdrom, disk.Serial, bootIndex));
                    break;
                default:
                    if (sataPort > 5)
                        Error($"disks[{i}].bus", "sata", "exceeds the 6 SATA ports of the machine; use virtio or scsi");
                    devices.Add(new SataDevice($"disk{i}", sataPort++, node, cdrom, disk.Serial, bootIndex));
                    break;
            }
        }

        var netdevs = new List<NetdevConfig>();
        var bridgePorts = new List<BridgePort>();
        var vhost = _fileExists("/dev/vhost-net");
        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            var id = $"net{i}";
            var queues = 1;
            if (nic.Type == "bridge")
            {
                if (!_bridgeExists(nic.Bridge!))
                    Error($"nics[{i}].bridge", nic.Bridge, "is not a bridge on this host; create it first (ip link add NAME type bridge) or fix the name");
                // Multiqueue spreads packet processing over vCPUs; it only exists for taps.
                queues = Math.Clamp(spec.Vcpus, 1, 8);
                var tap = TapName(spec.Uuid!, i);
                netdevs.Add(new TapNetdev(id, tap, vhost, queues));
                bridgePorts.Add(new BridgePort(tap, nic.Bridge!));
            }
            else
            {
                netdevs.Add(new UserNetdev(id));
            }
            var model = nic.Model switch
            {
                "e1000e" => "e1000e",
                "rtl8139" => "rtl8139",
                _ => "virtio-net-pci",
            };
            devices.Add(new NicDevice(id, id, nic.Mac!, model, queues, BootIndex("network", i == 0)));
        }

        devices.Add(new PvpanicDevice());
        devices.Add(new VirtioRngDevice());
        VncConfig? vnc = null;
        if (spec.Graphics.Type == "vnc")
        {
            devices.Add(new VgaDevice());
            vnc = new VncConfig(spec.Graphics.Port);
        }

        if (errors.Count > 0)
            throw new InvalidInputException(errors);

        var config = new QemuVmConfig
        {
            Name = spec.Name,
            Uuid = Guid.Parse(spec.Uuid!),
            Machine = spec.Machine,
            Accel = accel,
            // TCG's translation cache defaults to 1 GiB and dominates QEMU's memory; small guests need far less.
            TcgTranslationCacheMiB = accel == Accelerator.Tcg ? (spec.Memory <= 512 ? 128 : 256) : null,
            CpuModel = cpu,
            Vcpus = spec.Vcpus,
            MemoryMiB = spec.Memory,
            Kernel = kernel,
            QmpSocket = paths.QmpSocket,
            PidFile = paths.PidFile,
            Serial = spec.Serial ? new SerialConsoleConfig(paths.ConsoleSocket, paths.SerialLog) : null,
            Vnc = vnc,
            Panic = PanicAction.Pause,
            BlockNodes = blockNodes,
            Netdevs = netdevs,
            Devices = devices,
        };
        var accelName = accel == Accelerator.Kvm ? "kvm" : "tcg";
        return new VmPlan(config, QemuCommandLine.Build(config), accelName, AccelWarningFor(accelName), bridgePorts);
    }

    /// <summary>A tap name unique per VM and NIC within Linux's 15-character limit.</summary>
    internal static string TapName(string uuid, int index) => $"vt{uuid.Replace("-", "", StringComparison.Ordinal)[..8]}n{index}";

    private static T Fail<T>(T fallback, Action report)
    {
        report();
        return fallback;
    }
}

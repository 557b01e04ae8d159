using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Qemu.Tests.Golden;

/// <summary>
/// Configurations whose argv is pinned in Golden/NAME.args. Each takes the root directory of its files, so the
/// same case is rendered with /var/lib/vireo for the golden file and with a temp dir when real QEMU runs it.
/// </summary>
public static class GoldenCases
{
    public const string GoldenRoot = "/var/lib/vireo";

    public static readonly IReadOnlyDictionary<string, Func<string, QemuVmConfig>> All =
        new Dictionary<string, Func<string, QemuVmConfig>>
        {
            ["minimal-direct-kernel-tcg"] = MinimalDirectKernelTcg,
            ["kvm-host-cpu"] = KvmHostCpu,
            ["disks-qcow2-raw-cdrom-scsi"] = Disks,
            ["nics-user-tap-multiqueue"] = Nics,
            ["vnc-fixed-port"] = VncFixed,
            ["vnc-auto-port"] = VncAuto,
            ["no-serial"] = NoSerial,
            ["paths-with-commas"] = PathsWithCommas,
            ["pc-machine"] = PcMachine,
            ["guest-agent-and-root-ports"] = GuestAgentAndRootPorts,
            ["balloon-and-cpu-slots"] = BalloonAndCpuSlots,
        };

    private static QemuVmConfig Base(string root, string name, string uuid) => new()
    {
        Name = name,
        Uuid = Guid.Parse(uuid),
        QmpSocketPath = $"{root}/run/{name}/qmp.sock",
        PidFilePath = $"{root}/run/{name}/qemu.pid",
        SerialConsole = new SerialConsoleConfig($"{root}/run/{name}/console.sock", $"{root}/logs/{name}/console.log"),
    };

    private static QemuVmConfig MinimalDirectKernelTcg(string root) => Base(root, "tiny", "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11") with
    {
        Accel = QemuAccel.Tcg,
        TcgTranslationCacheMiB = 64,
        CpuModel = "max",
        MemoryMiB = 128,
        DirectKernelBoot = new DirectKernelBoot($"{root}/images/tiny/vmlinux", $"{root}/images/tiny/initrd.img",
            "console=ttyS0 quiet cryptomgr.notests"),
        Devices = [new PvPanic(), new VirtioRngPci()],
    };

    // A VM that can be given more vCPUs and memory live: two CPU slots, -m at the most memory, a balloon.
    private static QemuVmConfig BalloonAndCpuSlots(string root) => MinimalDirectKernelTcg(root) with
    {
        Name = "elastic",
        Uuid = Guid.Parse("2f0c6a1e-5b7d-4e3f-9a8b-1c2d3e4f5a6b"),
        QmpSocketPath = $"{root}/run/elastic/qmp.sock",
        PidFilePath = $"{root}/run/elastic/qemu.pid",
        SerialConsole = new SerialConsoleConfig($"{root}/run/elastic/console.sock", $"{root}/logs/elastic/console.log"),
        Vcpus = 2,
        MaxVcpus = 4,
        MemoryMiB = 512,
        Devices = [new PvPanic(), new VirtioRngPci(), new VirtioBalloonPci()],
    };

    private static QemuVmConfig KvmHostCpu(string root) => Base(root, "db1", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") with
    {
        Accel = QemuAccel.Kvm,
        CpuModel = "host",
        Vcpus = 4,
        MemoryMiB = 4096,
        PanicAction = PanicAction.Shutdown,
        BootOrder = [BootDevice.Disk],
        BlockNodes = [new BlockNode("disk0", $"{root}/pools/default/db1-root.qcow2", DiskFormat.Qcow2)],
        Netdevs = [new UserNetdev("net0")],
        Devices =
        [
            new VirtioBlkPci("virtio-disk0", "disk0"),
            new VirtioNetPci("net0-nic", "net0", "52:54:00:a1:b2:c3"),
            new PvPanic(),
        ],
    };

    private static QemuVmConfig Disks(string root) => Base(root, "disks", "11111111-2222-4333-8444-555555555555") with
    {
        BootOrder = [BootDevice.Cdrom, BootDevice.Disk],
        BlockNodes =
        [
            new BlockNode("disk0", $"{root}/pools/default/disks-root.qcow2", DiskFormat.Qcow2) { Cache = DiskCacheMode.None },
            new BlockNode("disk1", $"{root}/pools/default/disks-data.raw", DiskFormat.Raw) { Cache = DiskCacheMode.Unsafe },
            new BlockNode("disk2", $"{root}/pools/default/disks-scsi.qcow2", DiskFormat.Qcow2),
            new BlockNode("disk3", $"{root}/pools/default/disks-sata.raw", DiskFormat.Raw) { DiscardUnmap = false },
            new BlockNode("cd0", $"{root}/isos/debian-12.iso", DiskFormat.Raw) { ReadOnly = true },
        ],
        Devices =
        [
            new VirtioBlkPci("virtio-disk0", "disk0") { Serial = "vireo-disk0" },
            new VirtioBlkPci("virtio-disk1", "disk1"),
            new VirtioScsiPci("scsi0"),
            new ScsiHd("scsi0-0-0-0", "disk2", "scsi0", 0) { Serial = "scsi-disk" },
            new IdeHd("sata0-0-0", "disk3", SataSlot.For("q35", 0)),
            new IdeCd("sata0-0-1", "cd0", SataSlot.For("q35", 1)),
            new IdeCd("sata0-0-2", null, SataSlot.For("q35", 2)),
        ],
    };

    private static QemuVmConfig Nics(string root) => Base(root, "router", "22222222-3333-4444-8555-666666666666") with
    {
        BootOrder = [BootDevice.Network, BootDevice.Disk],
        Netdevs =
        [
            new UserNetdev("net0")
            {
                HostForwards =
                [
                    new HostForward(ForwardProtocol.Tcp, 2222, 22),
                    new HostForward(ForwardProtocol.Udp, 5353, 53) { GuestAddress = "10.0.2.15" },
                ],
            },
            new TapNetdev("net1", "vtap-router0") { Queues = 4 },
            new TapNetdev("net2", "vtap-router1"),
            new UserNetdev("net3"),
        ],
        Devices =
        [
            new VirtioNetPci("net0-nic", "net0", "52:54:00:00:00:01"),
            new VirtioNetPci("net1-nic", "net1", "52:54:00:00:00:02") { Queues = 4 },
            new E1000e("net2-nic", "net2", "52:54:00:00:00:03"),
            new Rtl8139("net3-nic", "net3", "52:54:00:00:00:04"),
        ],
    };

    private static QemuVmConfig VncFixed(string root) => Base(root, "desk", "33333333-4444-4555-8666-777777777777") with
    {
        Vnc = VncConfig.Fixed(5905),
        Devices = [new VideoDevice()],
    };

    private static QemuVmConfig VncAuto(string root) => Base(root, "desk2", "44444444-5555-4666-8777-888888888888") with
    {
        Vnc = VncConfig.Auto,
        Devices = [new VideoDevice("video0", VideoModel.BochsDisplay)],
    };

    private static QemuVmConfig NoSerial(string root) => Base(root, "quiet", "55555555-6666-4777-8888-999999999999") with
    {
        SerialConsole = null,
        NoShutdown = false,
    };

    // Every user-provided path and the name contain ','; key=value options must double it, JSON and raw-path
    // options (-kernel, -pidfile, -blockdev filename) must not.
    private static QemuVmConfig PathsWithCommas(string root) => new()
    {
        Name = "web,1",
        Uuid = Guid.Parse("66666666-7777-4888-8999-aaaaaaaaaaaa"),
        QmpSocketPath = $"{root}/vm,a/qmp,1.sock",
        PidFilePath = $"{root}/vm,a/qemu,1.pid",
        SerialConsole = new SerialConsoleConfig($"{root}/vm,a/con,1.sock", $"{root}/vm,a/con,1.log"),
        DirectKernelBoot = new DirectKernelBoot($"{root}/vm,a/kernel,1", null, "console=ttyS0,115200"),
        BlockNodes = [new BlockNode("disk0", $"{root}/vm,a/disk,1.qcow2", DiskFormat.Qcow2)],
        Chardevs = [new UnixSocketChardev("charga0", $"{root}/vm,a/ga,1.sock") { LogFilePath = $"{root}/vm,a/ga,1.log" }],
        Devices =
        [
            new VirtioBlkPci("virtio-disk0", "disk0"),
            new VirtioSerialPci(),
            new VirtSerialPort("channel0", "virtio-serial0", "charga0", VirtSerialPort.GuestAgentPortName),
        ],
    };

    private static QemuVmConfig PcMachine(string root) => Base(root, "legacy", "77777777-8888-4999-8aaa-bbbbbbbbbbbb") with
    {
        MachineType = "pc",
        BootOrder = [BootDevice.Disk, BootDevice.Cdrom],
        BlockNodes =
        [
            new BlockNode("disk0", $"{root}/pools/default/legacy.qcow2", DiskFormat.Qcow2),
            new BlockNode("cd0", $"{root}/isos/legacy.iso", DiskFormat.Raw) { ReadOnly = true },
        ],
        Netdevs = [new UserNetdev("net0")],
        Devices =
        [
            new IdeHd("ide0-0-0", "disk0", SataSlot.For("pc", 0)),
            new IdeCd("ide0-0-1", "cd0", SataSlot.For("pc", 1)),
            new Rtl8139("net0-nic", "net0", "52:54:00:12:34:56"),
            new VideoDevice(),
        ],
        Vnc = VncConfig.Auto,
    };

    private static QemuVmConfig GuestAgentAndRootPorts(string root) => Base(root, "agent", "88888888-9999-4aaa-8bbb-cccccccccccc") with
    {
        BlockNodes = [new BlockNode("disk0", $"{root}/pools/default/agent.qcow2", DiskFormat.Qcow2)],
        Chardevs = [new UnixSocketChardev("charga0", $"{root}/run/agent/ga.sock")],
        Devices =
        [
            new PcieRootPort("pci.1", 1, 0x10),
            new PcieRootPort("pci.2", 2, 0x11),
            new VirtioBlkPci("virtio-disk0", "disk0") { Bus = "pci.1", BootIndex = 1 },
            new VirtioSerialPci(),
            new VirtSerialPort("channel0", "virtio-serial0", "charga0", VirtSerialPort.GuestAgentPortName),
            new VirtioRngPci(),
        ],
    };
}

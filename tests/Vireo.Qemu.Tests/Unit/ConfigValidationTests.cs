using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Qemu.Tests.Unit;

public sealed class ConfigValidationTests
{
    private static QemuVmConfig Minimal() => new()
    {
        Name = "vm",
        Uuid = Guid.NewGuid(),
        QmpSocketPath = "/run/vireo/vm/qmp.sock",
        PidFilePath = "/run/vireo/vm/qemu.pid",
    };

    private static string Problems(QemuVmConfig c) =>
        string.Join("\n", Assert.Throws<QemuConfigException>(() => QemuCommandLine.Build(c)).Problems);

    [Fact]
    public void Minimal_configuration_is_valid() => Assert.NotEmpty(QemuCommandLine.Build(Minimal()));

    [Fact]
    public void Host_cpu_without_kvm_is_rejected() =>
        Assert.Contains("requires KVM", Problems(Minimal() with { CpuModel = "host" }));

    [Fact]
    public void Translation_cache_size_with_kvm_is_rejected() =>
        Assert.Contains("only to TCG", Problems(Minimal() with { Accel = QemuAccel.Kvm, TcgTranslationCacheMiB = 64 }));

    [Fact]
    public void Relative_paths_are_rejected_because_qemu_daemonizes_into_root() =>
        Assert.Contains("not absolute", Problems(Minimal() with { PidFilePath = "run/qemu.pid" }));

    [Fact]
    public void Socket_path_over_the_unix_limit_is_rejected() =>
        Assert.Contains("107 bytes", Problems(Minimal() with { QmpSocketPath = "/" + new string('a', 110) }));

    [Fact]
    public void Machine_type_or_cpu_with_a_comma_is_rejected_as_option_injection()
    {
        Assert.Contains("Machine type", Problems(Minimal() with { MachineType = "q35,accel=kvm" }));
        Assert.Contains("CPU model", Problems(Minimal() with { CpuModel = "max,+vmx" }));
    }

    [Fact]
    public void Duplicate_and_malformed_ids_are_rejected()
    {
        var p = Problems(Minimal() with { Devices = [new VirtioRngPci("rng0"), new VirtioRngPci("rng0"), new PvPanic("0bad")] });
        Assert.Contains("'rng0' is used twice", p);
        Assert.Contains("'0bad' is not a valid QEMU id", p);
    }

    [Fact]
    public void Reserved_serial_ids_cannot_be_reused() =>
        Assert.Contains("'serial0' is used twice", Problems(Minimal() with
        {
            SerialConsole = new("/run/c.sock", "/run/c.log"),
            Devices = [new VirtioRngPci("serial0")],
        }));

    [Fact]
    public void Device_referring_to_a_missing_backend_is_rejected()
    {
        var p = Problems(Minimal() with
        {
            Devices = [new VirtioBlkPci("vd0", "nope"), new E1000e("nic0", "net9", "52:54:00:00:00:01")],
        });
        Assert.Contains("missing drive 'nope'", p);
        Assert.Contains("missing netdev 'net9'", p);
    }

    [Fact]
    public void A_backend_attached_to_two_devices_is_rejected() =>
        Assert.Contains("attached to more than one device", Problems(Minimal() with
        {
            BlockNodes = [new BlockNode("d0", "/i/d.raw", DiskFormat.Raw)],
            Devices = [new VirtioBlkPci("vd0", "d0"), new VirtioBlkPci("vd1", "d0")],
        }));

    [Fact]
    public void Block_node_name_too_long_for_qemu_is_rejected() =>
        Assert.Contains("longer than 26", Problems(Minimal() with
        {
            BlockNodes = [new BlockNode("a234567890123456789012345678", "/i/d.raw", DiskFormat.Raw)],
        }));

    [Fact]
    public void Malformed_or_multicast_mac_is_rejected()
    {
        Assert.Contains("malformed MAC", Problems(Minimal() with
        {
            Netdevs = [new UserNetdev("n0")],
            Devices = [new Rtl8139("nic0", "n0", "52:54:00:00:01")],
        }));
        Assert.Contains("multicast MAC", Problems(Minimal() with
        {
            Netdevs = [new UserNetdev("n0")],
            Devices = [new Rtl8139("nic0", "n0", "01:00:5e:00:00:01")],
        }));
    }

    [Fact]
    public void Nic_queue_count_must_match_its_tap() =>
        Assert.Contains("has 2 queue(s) but its netdev 'n0' has 4", Problems(Minimal() with
        {
            Netdevs = [new TapNetdev("n0", "tap0") { Queues = 4 }],
            Devices = [new VirtioNetPci("nic0", "n0", "52:54:00:00:00:01") { Queues = 2 }],
        }));

    [Fact]
    public void Boot_order_and_explicit_boot_index_cannot_be_mixed() =>
        Assert.Contains("cannot be combined", Problems(Minimal() with
        {
            BootOrder = [BootDevice.Disk],
            BlockNodes = [new BlockNode("d0", "/i/d.raw", DiskFormat.Raw)],
            Devices = [new VirtioBlkPci("vd0", "d0") { BootIndex = 1 }],
        }));

    [Fact]
    public void Scsi_disk_needs_its_controller_and_a_free_lun()
    {
        var p = Problems(Minimal() with
        {
            BlockNodes = [new BlockNode("d0", "/i/0.raw", DiskFormat.Raw), new BlockNode("d1", "/i/1.raw", DiskFormat.Raw)],
            Devices = [new ScsiHd("s0", "d0", "scsi9", 0), new ScsiHd("s1", "d1", "scsi9", 0)],
        });
        Assert.Contains("missing SCSI controller 'scsi9'", p);
        Assert.Contains("reuses LUN 0", p);
    }

    [Fact]
    public void Cdrom_on_a_writable_node_is_rejected_because_it_would_lock_the_iso() =>
        Assert.Contains("must use a read-only block node", Problems(Minimal() with
        {
            BlockNodes = [new BlockNode("cd", "/i/x.iso", DiskFormat.Raw)],
            Devices = [new IdeCd("cd0", "cd", SataSlot.For("q35", 0))],
        }));

    [Fact]
    public void Vnc_port_below_5900_is_rejected() =>
        Assert.Contains("outside 5900-65535", Problems(Minimal() with { Vnc = VncConfig.Fixed(5800) }));

    [Fact]
    public void Max_vcpus_below_vcpus_is_rejected()
    {
        Assert.Contains("MaxVcpus (1) is less than Vcpus (2)", Problems(Minimal() with { Vcpus = 2, MaxVcpus = 1 }));
        QemuCommandLine.Build(Minimal() with { Vcpus = 2, MaxVcpus = 2 });
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var e = Assert.Throws<QemuConfigException>(() => QemuCommandLine.Build(Minimal() with { Vcpus = 0, MemoryMiB = 0, Name = "" }));
        Assert.Equal(3, e.Problems.Count);
    }
}

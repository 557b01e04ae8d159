using System.Text.Json.Nodes;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Qemu.Tests.Unit;

public sealed class CommandLineTests
{
    private static QemuVmConfig Minimal() => new()
    {
        Name = "vm",
        Uuid = Guid.Parse("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11"),
        QmpSocketPath = "/run/vireo/vm/qmp.sock",
        PidFilePath = "/run/vireo/vm/qemu.pid",
    };

    private static string ValueAfter(IReadOnlyList<string> argv, string flag) => argv[argv.ToList().IndexOf(flag) + 1];

    private static IEnumerable<string> ValuesOf(IReadOnlyList<string> argv, string flag) =>
        argv.Select((a, i) => (a, i)).Where(x => x.a == flag).Select(x => argv[x.i + 1]);

    [Fact]
    public void Commas_in_key_value_options_are_doubled()
    {
        Assert.Equal("/a,,b/c,,,,d", QemuOpts.Escape("/a,b/c,,d"));
        var argv = QemuCommandLine.Build(Minimal() with { Name = "a,b", QmpSocketPath = "/x,y/qmp.sock" });
        Assert.Equal("guest=a,,b,debug-threads=on", ValueAfter(argv, "-name"));
        Assert.Contains("socket,id=charmonitor,path=/x,,y/qmp.sock,server=on,wait=off", argv);
    }

    [Fact]
    public void Raw_path_options_and_json_are_not_escaped()
    {
        var argv = QemuCommandLine.Build(Minimal() with
        {
            PidFilePath = "/x,y/q.pid",
            DirectKernelBoot = new DirectKernelBoot("/k,1/vmlinux", "/k,1/initrd", "console=ttyS0,115200"),
            BlockNodes = [new BlockNode("d0", "/p,q/disk.raw", DiskFormat.Raw)],
            Devices = [new VirtioBlkPci("vd0", "d0")],
        });
        Assert.Equal("/x,y/q.pid", ValueAfter(argv, "-pidfile"));
        Assert.Equal("/k,1/vmlinux", ValueAfter(argv, "-kernel"));
        Assert.Equal("/k,1/initrd", ValueAfter(argv, "-initrd"));
        Assert.Equal("console=ttyS0,115200", ValueAfter(argv, "-append"));
        Assert.Equal("/p,q/disk.raw", JsonNode.Parse(ValueAfter(argv, "-blockdev"))!["filename"]!.GetValue<string>());
    }

    [Fact]
    public void Device_argument_is_the_same_json_as_for_hot_plug()
    {
        var nic = new VirtioNetPci("nic0", "net0", "52:54:00:00:00:01") { Queues = 4 };
        var argv = QemuCommandLine.Build(Minimal() with
        {
            Netdevs = [new TapNetdev("net0", "tap0") { Queues = 4 }],
            Devices = [nic],
        });
        var deviceArg = JsonNode.Parse(ValuesOf(argv, "-device").Single())!;
        Assert.True(JsonNode.DeepEquals(nic.ToJson(), deviceArg));
        Assert.True(deviceArg["mq"]!.GetValue<bool>());
        Assert.Equal(10, deviceArg["vectors"]!.GetValue<int>());
        var netdevArg = JsonNode.Parse(ValueAfter(argv, "-netdev"))!;
        Assert.Equal(4, netdevArg["queues"]!.GetValue<int>());
        Assert.Equal("no", netdevArg["script"]!.GetValue<string>());
    }

    [Fact]
    public void Single_queue_virtio_nic_has_no_multiqueue_properties()
    {
        var json = new VirtioNetPci("nic0", "net0", "52:54:00:00:00:01").ToJson();
        Assert.False(json.ContainsKey("mq"));
        Assert.False(json.ContainsKey("vectors"));
    }

    [Fact]
    public void Block_node_format_is_always_explicit_and_layers_are_linked()
    {
        var node = new BlockNode("disk0", "/img/a.raw", DiskFormat.Raw) { ReadOnly = true, Cache = DiskCacheMode.None };
        var proto = node.ToProtocolJson();
        var format = node.ToFormatJson();
        Assert.Equal("file", proto["driver"]!.GetValue<string>());
        Assert.Equal("disk0-file", proto["node-name"]!.GetValue<string>());
        Assert.Equal("raw", format["driver"]!.GetValue<string>());
        Assert.Equal("disk0-file", format["file"]!.GetValue<string>());
        Assert.True(format["read-only"]!.GetValue<bool>());
        Assert.False(format.ContainsKey("discard"));
        Assert.True(proto["cache"]!["direct"]!.GetValue<bool>());
    }

    [Fact]
    public void Boot_order_gives_boot_indexes_to_the_first_device_of_each_kind()
    {
        var argv = QemuCommandLine.Build(Minimal() with
        {
            BootOrder = [BootDevice.Cdrom, BootDevice.Network, BootDevice.Disk],
            BlockNodes = [new("d0", "/i/0.raw", DiskFormat.Raw), new("d1", "/i/1.raw", DiskFormat.Raw), new("cd", "/i/c.iso", DiskFormat.Raw) { ReadOnly = true }],
            Devices = [new VirtioBlkPci("vd0", "d0"), new VirtioBlkPci("vd1", "d1"), new IdeCd("cd0", "cd", SataSlot.For("q35", 0))],
        });
        var bootIndex = ValuesOf(argv, "-device").Select(d => JsonNode.Parse(d)!.AsObject())
            .ToDictionary(d => d["id"]!.GetValue<string>(), d => d["bootindex"]?.GetValue<int>());
        Assert.Equal(1, bootIndex["cd0"]);
        Assert.Equal(2, bootIndex["vd0"]);
        Assert.Null(bootIndex["vd1"]);
        Assert.DoesNotContain(argv, a => a.StartsWith("order=", StringComparison.Ordinal));
        Assert.Equal("strict=on", ValueAfter(argv, "-boot"));
    }

    [Fact]
    public void Serial_console_logs_through_qemu_and_is_ttyS0()
    {
        var argv = QemuCommandLine.Build(Minimal() with { SerialConsole = new("/run/v/con.sock", "/var/log/v/con.log") });
        Assert.Contains("socket,id=charserial0,path=/run/v/con.sock,server=on,wait=off,logfile=/var/log/v/con.log,logappend=on", argv);
        var first = JsonNode.Parse(ValuesOf(argv, "-device").First())!;
        Assert.Equal("isa-serial", first["driver"]!.GetValue<string>());
        Assert.Equal("charserial0", first["chardev"]!.GetValue<string>());
    }

    [Fact]
    public void Vnc_listens_on_loopback_only()
    {
        Assert.Equal("127.0.0.1:7", ValueAfter(QemuCommandLine.Build(Minimal() with { Vnc = VncConfig.Fixed(5907) }), "-vnc"));
        Assert.Equal("127.0.0.1:0,to=99", ValueAfter(QemuCommandLine.Build(Minimal() with { Vnc = VncConfig.Auto }), "-vnc"));
    }

    [Fact]
    public void Process_lifecycle_flags_are_always_present()
    {
        var argv = QemuCommandLine.Build(Minimal());
        foreach (var flag in new[] { "-S", "-nodefaults", "-no-user-config", "-no-shutdown" }) Assert.Contains(flag, argv);
        Assert.Equal("none", ValueAfter(argv, "-display"));
        Assert.Equal("chardev=charmonitor,mode=control", ValueAfter(argv, "-mon"));
        Assert.Equal("panic=pause", ValueAfter(argv, "-action"));
        Assert.DoesNotContain("-no-shutdown", QemuCommandLine.Build(Minimal() with { NoShutdown = false }));
    }

    [Fact]
    public void Tcg_translation_cache_size_goes_on_the_accelerator()
    {
        Assert.Equal("tcg,tb-size=256", ValueAfter(QemuCommandLine.Build(Minimal() with { TcgTranslationCacheMiB = 256 }), "-accel"));
        Assert.Equal("kvm", ValueAfter(QemuCommandLine.Build(Minimal() with { Accel = QemuAccel.Kvm, CpuModel = "host" }), "-accel"));
    }

    [Fact]
    public void Cpu_slots_for_hot_plug_go_on_smp_only_when_there_are_more_than_the_vcpus()
    {
        Assert.Equal("1,maxcpus=2", ValueAfter(QemuCommandLine.Build(Minimal() with { Vcpus = 1, MaxVcpus = 2 }), "-smp"));
        Assert.Equal("2", ValueAfter(QemuCommandLine.Build(Minimal() with { Vcpus = 2, MaxVcpus = 2 }), "-smp"));
        Assert.Equal("3", ValueAfter(QemuCommandLine.Build(Minimal() with { Vcpus = 3 }), "-smp"));
    }

    [Fact]
    public void Memory_is_all_qemu_starts_with_and_the_balloon_holds_a_guest_below_it()
    {
        var balloon = new VirtioBalloonPci();
        var argv = QemuCommandLine.Build(Minimal() with { MemoryMiB = 512, Devices = [balloon] });
        Assert.Equal("512M", ValueAfter(argv, "-m"));
        var json = JsonNode.Parse(ValuesOf(argv, "-device").Single())!;
        Assert.True(JsonNode.DeepEquals(balloon.ToJson(), json));
        Assert.Equal("virtio-balloon-pci", json["driver"]!.GetValue<string>());
        Assert.Equal("balloon0", json["id"]!.GetValue<string>());
        Assert.True(json["deflate-on-oom"]!.GetValue<bool>());
        Assert.Null(json["free-page-reporting"]);
        Assert.False(new VirtioBalloonPci { DeflateOnOom = false }.ToJson().ContainsKey("deflate-on-oom"));
    }

    [Fact]
    public void Sata_slots_follow_the_machine_controller()
    {
        Assert.Equal(new SataSlot("ide.5", null), SataSlot.For("q35", 5));
        Assert.Equal(new SataSlot("ide.1", 1), SataSlot.For("pc", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => SataSlot.For("pc", 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SataSlot.For("pc-q35-7.2", 6));
    }

    [Fact]
    public void Host_forward_uses_qemu_hostfwd_syntax()
    {
        Assert.Equal("tcp:127.0.0.1:2222-:22", new HostForward(ForwardProtocol.Tcp, 2222, 22).ToQemuString());
        var json = new UserNetdev("n") { HostForwards = [new HostForward(ForwardProtocol.Udp, 53, 53) { GuestAddress = "10.0.2.15" }] }.ToJson();
        Assert.Equal("udp:127.0.0.1:53-10.0.2.15:53", json["hostfwd"]![0]!["str"]!.GetValue<string>());
    }
}

using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Host;

namespace Vireo.Core.Tests.Engine;

public sealed class VmPlannerTests
{
    private static readonly KvmStatus NoKvm = new(false, "/dev/kvm", "/dev/kvm does not exist", "load kvm_intel");
    private static readonly KvmStatus Kvm = new(true, "/dev/kvm", "usable", null);
    private static readonly KvmStatus PvmKvm = new(false, "/dev/kvm", "/dev/kvm opens, but it is provided by kvm_pvm", "only PVM guests") { PvmOnly = true };
    private static readonly VmPaths Paths = new StatePaths("/var/lib/vireo").ForVm("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11");

    private static VmSpec Tiny(Func<VmSpec, VmSpec>? change = null)
    {
        var spec = new VmSpec
        {
            Name = "web",
            Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11",
            Memory = 128,
            Boot = new BootSpec { Kernel = "/img/kernel", Initrd = "/img/initrd.img", Cmdline = "console=ttyS0" },
            Nics = [new NicSpec { Type = "user", Mac = "52:54:00:12:34:56" }],
            Graphics = new GraphicsSpec { Type = "none" },
        };
        return change is null ? spec : change(spec);
    }

    private static VmPlanner Planner(KvmStatus kvm, params string[] missing) =>
        new(kvm, path => !missing.Contains(path), bridge => bridge == "br0");

    [Fact]
    public void The_tiny_guest_without_kvm_gets_tcg_max_cpu_a_small_translation_cache_and_a_warning()
    {
        var plan = Planner(NoKvm).Plan(Tiny(), Paths);
        Assert.Equal("tcg", plan.Accel);
        Assert.Contains("TCG", plan.AccelWarning);
        var argv = string.Join(' ', plan.Argv);
        Assert.Contains("-accel tcg,tb-size=128", argv);
        Assert.Contains("-cpu max", argv);
        Assert.Contains("-kernel /img/kernel", argv);
        Assert.Contains("-S", plan.Argv);
        Assert.DoesNotContain("-daemonize", plan.Argv);
        Assert.Contains("-no-shutdown", plan.Argv);
        Assert.Contains("\"driver\":\"pvpanic\"", argv);
        Assert.Contains("\"mac\":\"52:54:00:12:34:56\"", argv);
        Assert.DoesNotContain("-vnc", plan.Argv);
    }

    [Fact]
    public void Qemu_gets_the_most_memory_and_cpu_slots_the_vm_may_have_and_every_vm_a_balloon()
    {
        var plan = Planner(NoKvm).Plan(Tiny(s => s with { Memory = 256, MaxMemory = 1024, Vcpus = 1, MaxVcpus = 2 }), Paths);
        Assert.Equal(1024, plan.Config.MemoryMiB);
        Assert.Equal((1, 2), (plan.Config.Vcpus, plan.Config.MaxVcpus));
        var argv = string.Join(' ', plan.Argv);
        Assert.Contains("-m 1024M", argv);
        Assert.Contains("-smp 1,maxcpus=2", argv);
        // The translation cache follows the RAM QEMU has, which the balloon can give back to the guest.
        Assert.Contains("-accel tcg,tb-size=256", argv);
        // Last but the guest agent's channel, so that the devices before it keep their PCI addresses.
        var balloon = Assert.IsType<VirtioBalloonPci>(plan.Config.Devices[^3]);
        Assert.Equal("balloon0", balloon.Id);
        Assert.Contains("\"driver\":\"virtio-balloon-pci\"", argv);

        // Without max_memory and max_vcpus: the spec's memory, plain -smp, and a balloon all the same.
        var plain = Planner(NoKvm).Plan(Tiny(s => s with { Vcpus = 2 }), Paths);
        Assert.Equal(128, plain.Config.MemoryMiB);
        Assert.Null(plain.Config.MaxVcpus);
        Assert.Contains("-smp 2 ", string.Join(' ', plain.Argv));
        Assert.Contains("-accel tcg,tb-size=128", string.Join(' ', plain.Argv));
        Assert.IsType<VirtioBalloonPci>(plain.Config.Devices[^3]);
    }

    [Fact]
    public void Every_vm_gets_the_guest_agent_channel_on_a_socket_in_its_state_dir()
    {
        var plan = Planner(NoKvm).Plan(Tiny(), Paths);
        var controller = Assert.IsType<VirtioSerialPci>(plan.Config.Devices[^2]);
        var port = Assert.IsType<VirtSerialPort>(plan.Config.Devices[^1]);
        Assert.Equal("org.qemu.guest_agent.0", port.PortName);
        Assert.Equal(controller.Id, port.Controller);
        var chardev = Assert.Single(plan.Config.Chardevs);
        Assert.Equal(port.Chardev, chardev.Id);
        Assert.Equal(Paths.AgentSocket, chardev.SocketPath);
        Assert.Contains(Paths.AgentSocket, Paths.RuntimeFiles);
        var argv = string.Join(' ', plan.Argv);
        Assert.Contains($"-chardev socket,id={chardev.Id},path={Paths.AgentSocket},server=on,wait=off", argv);
        Assert.Contains("\"driver\":\"virtserialport\",\"id\":\"qga0\",\"bus\":\"virtio-serial0.0\",\"chardev\":\"charqga0\",\"name\":\"org.qemu.guest_agent.0\"", argv);
    }

    [Fact]
    public void With_kvm_the_host_cpu_is_passed_through_and_there_is_no_warning()
    {
        var plan = Planner(Kvm).Plan(Tiny(), Paths);
        Assert.Equal("kvm", plan.Accel);
        Assert.Null(plan.AccelWarning);
        var argv = string.Join(' ', plan.Argv);
        Assert.Contains("-accel kvm", argv);
        Assert.Contains("-cpu host", argv);
    }

    [Fact]
    public void Asking_for_kvm_where_there_is_none_is_refused_before_anything_starts()
    {
        var e = Assert.Throws<InvalidInputException>(() => Planner(NoKvm).Plan(Tiny(s => s with { Accel = "kvm" }), Paths));
        Assert.Contains(e.FieldErrors, f => f.Field == "accel" && f.Message.Contains("/dev/kvm does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void On_a_pvm_host_auto_gets_tcg_with_a_warning_that_says_why()
    {
        var plan = Planner(PvmKvm).Plan(Tiny(), Paths);
        Assert.Equal("tcg", plan.Accel);
        Assert.Contains("kvm_pvm", plan.AccelWarning);
        Assert.Contains("-cpu max", string.Join(' ', plan.Argv));
    }

    [Fact]
    public void On_a_pvm_host_kvm_on_request_is_used_and_warned_about()
    {
        var plan = Planner(PvmKvm).Plan(Tiny(s => s with { Accel = "kvm" }), Paths);
        Assert.Equal("kvm", plan.Accel);
        Assert.Contains("only a guest kernel built for PVM boots", plan.AccelWarning);
        var argv = string.Join(' ', plan.Argv);
        Assert.Contains("-accel kvm", argv);
        Assert.Contains("-cpu host", argv);
    }

    [Fact]
    public void Files_deleted_since_define_are_reported_per_field()
    {
        var spec = Tiny(s => s with { Disks = [new DiskSpec { Path = "/img/gone.qcow2", Format = "qcow2" }] });
        var e = Assert.Throws<InvalidInputException>(() => Planner(NoKvm, "/img/kernel", "/img/gone.qcow2").Plan(spec, Paths));
        Assert.Contains(e.FieldErrors, f => f.Field == "boot.kernel");
        Assert.Contains(e.FieldErrors, f => f.Field == "disks[0].path");
    }

    [Fact]
    public void Disks_use_explicit_formats_and_cdroms_are_read_only_on_sata()
    {
        var spec = Tiny(s => s with
        {
            Disks =
            [
                new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2", Serial = "root" },
                new DiskSpec { Path = "/img/data.raw", Format = "raw", Bus = "scsi" },
                new DiskSpec { Path = "/img/install.iso", Format = "raw", Device = "cdrom" },
            ],
        });
        var argv = string.Join('\n', Planner(NoKvm).Plan(spec, Paths).Argv);
        Assert.Contains("\"driver\":\"qcow2\"", argv);
        Assert.Contains("\"driver\":\"raw\"", argv);
        Assert.Contains("\"driver\":\"virtio-blk-pci\"", argv);
        Assert.Contains("\"driver\":\"virtio-scsi-pci\"", argv);
        Assert.Contains("\"driver\":\"scsi-hd\"", argv);
        Assert.Contains("\"driver\":\"ide-cd\"", argv);
        Assert.Matches("\"node-name\":\"cd0\"[^\\n]*\"read-only\":true|\"read-only\":true[^\\n]*\"node-name\":\"cd0\"", argv);
    }

    [Fact]
    public void A_disk_keeps_its_node_and_device_ids_wherever_it_sits_in_the_spec()
    {
        var root = new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2" };
        var data = new DiskSpec { Path = "/img/data.raw", Format = "raw" };
        var before = Planner(NoKvm).Plan(Tiny(s => s with { Disks = [root, data] }), Paths).Config;
        var after = Planner(NoKvm).Plan(Tiny(s => s with { Disks = [data] }), Paths).Config;
        var dataNode = before.BlockNodes.Single(b => b.Path == "/img/data.raw").NodeName;
        Assert.Equal(dataNode, Assert.Single(after.BlockNodes).NodeName);
        Assert.NotEqual(before.BlockNodes[0].NodeName, dataNode);
        Assert.Contains(after.Devices, d => d.Id == VmPlanner.DiskIds(data, 0).Device);
    }

    [Fact]
    public void Cache_none_with_io_uring_where_the_host_allows_it_else_writeback_with_threads()
    {
        var spec = Tiny(s => s with { Disks = [new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2" }] });
        var fast = new VmPlanner(NoKvm, _ => true, directIo: _ => true, ioUring: true).Plan(spec, Paths).Config.BlockNodes[0];
        Assert.Equal((DiskCacheMode.None, DiskAioMode.IoUring), (fast.Cache, fast.Aio));
        var native = new VmPlanner(NoKvm, _ => true, directIo: _ => true, ioUring: false).Plan(spec, Paths).Config.BlockNodes[0];
        Assert.Equal((DiskCacheMode.None, DiskAioMode.Native), (native.Cache, native.Aio));
        var tmpfs = new VmPlanner(NoKvm, _ => true, directIo: _ => false, ioUring: false).Plan(spec, Paths).Config.BlockNodes[0];
        Assert.Equal((DiskCacheMode.Writeback, DiskAioMode.Threads), (tmpfs.Cache, tmpfs.Aio));
    }

    [Fact]
    public void Cache_none_on_a_file_system_without_O_DIRECT_is_refused_with_the_fix()
    {
        var spec = Tiny(s => s with { Disks = [new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2", Cache = "none" }] });
        var e = Assert.Throws<InvalidInputException>(() => new VmPlanner(NoKvm, _ => true, directIo: _ => false).Plan(spec, Paths));
        Assert.Contains(e.FieldErrors, f => f.Field == "disks[0].cache" && f.Message.Contains("use cache: writeback", StringComparison.Ordinal));
    }

    [Fact]
    public void Writethrough_turns_the_guest_write_cache_off_and_discard_ignore_keeps_unmap_off()
    {
        var spec = Tiny(s => s with { Disks = [new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2", Cache = "writethrough", Discard = "ignore" }] });
        var argv = string.Join('\n', new VmPlanner(NoKvm, _ => true, directIo: _ => true).Plan(spec, Paths).Argv);
        Assert.Contains("\"write-cache\":\"off\"", argv);
        Assert.DoesNotContain("\"discard\":\"unmap\"", argv);
    }

    [Fact]
    public void A_bridge_nic_becomes_a_multiqueue_tap_that_joins_the_bridge()
    {
        var spec = Tiny(s => s with { Vcpus = 2, Nics = [new NicSpec { Type = "bridge", Bridge = "br0", Mac = "52:54:00:00:00:01" }] });
        var plan = Planner(NoKvm).Plan(spec, Paths);
        var port = Assert.Single(plan.BridgePorts);
        Assert.Equal("br0", port.Bridge);
        Assert.True(port.Tap.Length <= 15, port.Tap);
        var argv = string.Join('\n', plan.Argv);
        Assert.Contains(port.Tap, argv);
        Assert.Contains("\"mq\":true", argv);
    }

    [Fact]
    public void A_missing_bridge_is_refused()
    {
        var spec = Tiny(s => s with { Nics = [new NicSpec { Type = "bridge", Bridge = "br9", Mac = "52:54:00:00:00:01" }] });
        var e = Assert.Throws<InvalidInputException>(() => Planner(NoKvm).Plan(spec, Paths));
        Assert.Contains(e.FieldErrors, f => f.Field == "nics[0].bridge" && f.Value == "br9");
    }

    [Fact]
    public void Vnc_listens_on_loopback_only_with_a_video_device()
    {
        var argv = string.Join(' ', Planner(NoKvm).Plan(Tiny(s => s with { Graphics = new GraphicsSpec { Type = "vnc" } }), Paths).Argv);
        Assert.Contains("-vnc 127.0.0.1:", argv);
        Assert.Contains("\"driver\":\"VGA\"", argv);
    }

    [Fact]
    public void Tap_names_fit_the_kernel_limit_and_differ_per_nic()
    {
        var a = VmPlanner.TapName("52:54:00:12:34:56");
        var b = VmPlanner.TapName("52:54:00:12:34:57");
        Assert.NotEqual(a, b);
        Assert.True(a.Length <= 15);
        Assert.Equal("net525400123456", VmPlanner.NicId("52:54:00:12:34:56"));
    }
}

/// <summary>UEFI flash and the one-time boot order in the QEMU configuration.</summary>
public sealed class VmPlannerFirmwareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-fw-").FullName;
    private static readonly KvmStatus NoKvm = new(false, "/dev/kvm", "/dev/kvm does not exist", "load kvm_intel");
    private static readonly VmPaths Paths = new StatePaths("/var/lib/vireo").ForVm("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Vireo.Host.Firmware.FirmwareLocator Locator(bool installed)
    {
        var descriptors = Path.Combine(_dir, "firmware");
        Directory.CreateDirectory(descriptors);
        if (installed)
        {
            foreach (var f in new[] { "CODE.fd", "CODE.secboot.fd", "VARS.fd", "VARS.ms.fd" })
                File.WriteAllText(Path.Combine(_dir, f), f);
            void Describe(string name, string code, string vars, string features) => File.WriteAllText(Path.Combine(descriptors, name), $$"""
                { "interface-types": ["uefi"], "mapping": { "device": "flash",
                  "executable": { "filename": "{{Path.Combine(_dir, code)}}", "format": "raw" },
                  "nvram-template": { "filename": "{{Path.Combine(_dir, vars)}}", "format": "raw" } },
                  "targets": [ { "architecture": "x86_64", "machines": ["pc-q35-*"] } ], "features": [{{features}}] }
                """);
            Describe("40-secure.json", "CODE.secboot.fd", "VARS.ms.fd", "\"requires-smm\", \"secure-boot\", \"enrolled-keys\"");
            Describe("60-plain.json", "CODE.fd", "VARS.fd", "\"acpi-s3\"");
        }
        return new Vireo.Host.Firmware.FirmwareLocator([descriptors]);
    }

    private static VmSpec Spec(BootSpec boot) => new()
    {
        Name = "web",
        Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11",
        Memory = 128,
        Boot = boot,
        Disks = [new DiskSpec { Path = "/img/root.qcow2", Format = "qcow2" }, new DiskSpec { Device = "cdrom", Path = "/img/install.iso", Format = "raw" }],
        Graphics = new GraphicsSpec { Type = "none" },
    };

    private VmPlan Plan(BootSpec boot, bool installed = true) =>
        new VmPlanner(NoKvm, _ => true, directIo: _ => true, firmware: Locator(installed)).Plan(Spec(boot), Paths);

    [Fact]
    public void Uefi_maps_the_code_read_only_and_the_vms_own_variable_store_as_raw_pflash()
    {
        var plan = Plan(new BootSpec { Order = ["disk"], Firmware = "uefi" });
        var argv = string.Join('\n', plan.Argv);
        Assert.Contains("-machine\nq35,dump-guest-core=off,pflash0=pflash0,pflash1=pflash1\n", argv);
        Assert.Contains($"\"filename\":\"{Path.Combine(_dir, "CODE.fd")}\"", argv);
        Assert.Contains($"\"filename\":\"{Paths.UefiVars}\"", argv);
        Assert.Contains("{\"driver\":\"raw\",\"node-name\":\"pflash0\",\"file\":\"pflash0-file\",\"read-only\":true", argv);
        Assert.Contains("{\"driver\":\"raw\",\"node-name\":\"pflash1\",\"file\":\"pflash1-file\",\"read-only\":false", argv);
        Assert.DoesNotContain("smm=on", argv);
        Assert.Equal(Path.Combine(_dir, "VARS.fd"), plan.UefiVarsTemplate);
        // Firmware, not disks: snapshots and backups iterate BlockNodes and must not meet pflash.
        Assert.DoesNotContain(plan.Config.BlockNodes, n => n.NodeName.StartsWith("pflash", StringComparison.Ordinal));
    }

    [Fact]
    public void Secure_boot_takes_the_enrolled_build_with_smm_and_secure_pflash()
    {
        var plan = Plan(new BootSpec { Order = ["disk"], Firmware = "uefi", SecureBoot = true });
        var argv = string.Join('\n', plan.Argv);
        Assert.Contains(",pflash0=pflash0,pflash1=pflash1,smm=on\n", argv);
        Assert.Contains("-global\ndriver=cfi.pflash01,property=secure,value=on", argv);
        Assert.Contains(Path.Combine(_dir, "CODE.secboot.fd"), argv);
        Assert.Equal(Path.Combine(_dir, "VARS.ms.fd"), plan.UefiVarsTemplate);
    }

    [Fact]
    public void Uefi_without_ovmf_is_refused_naming_the_package()
    {
        var e = Assert.Throws<InvalidInputException>(() => Plan(new BootSpec { Firmware = "uefi" }, installed: false));
        var error = Assert.Single(e.FieldErrors);
        Assert.Equal("boot.firmware", error.Field);
        Assert.Contains("install the ovmf package", error.Message);
    }

    [Fact]
    public void Bios_has_no_pflash()
    {
        var argv = string.Join('\n', Plan(new BootSpec { Order = ["disk"] }).Argv);
        Assert.DoesNotContain("pflash", argv);
        Assert.DoesNotContain("reboot=shutdown", argv);
    }

    [Fact]
    public void A_one_time_order_replaces_the_order_and_turns_a_guest_reboot_into_a_shutdown()
    {
        var plan = Plan(new BootSpec { Order = ["disk"], Once = ["cdrom"] });
        Assert.Equal([BootDevice.Cdrom], plan.Config.BootOrder);
        Assert.True(plan.Config.RebootIsShutdown);
        Assert.Contains("-action\nreboot=shutdown", string.Join('\n', plan.Argv));
        var after = Plan(new BootSpec { Order = ["disk"] });
        Assert.Equal([BootDevice.Disk], after.Config.BootOrder);
        Assert.False(after.Config.RebootIsShutdown);
    }
}

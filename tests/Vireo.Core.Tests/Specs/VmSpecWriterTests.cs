using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecWriterTests
{
    [Fact]
    public void A_minimal_spec_renders_only_what_matters() =>
        Assert.Equal(Lines("name: web1", "vcpus: 1", "memory: 512MiB"), VmSpecWriter.ToYaml(new VmSpec { Name = "web1" }));

    [Fact]
    public void A_full_spec_renders_in_schema_order()
    {
        var spec = new VmSpec
        {
            Name = "web1", Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11", Description = "Front end: nginx", Image = "tiny",
            Vcpus = 2, Memory = 2048, Machine = "pc", Cpu = "max", Accel = "tcg",
            Boot = new BootSpec { Kernel = Kernel, Initrd = Initrd, Cmdline = "console=ttyS0 quiet", Order = ["disk", "network"] },
            Disks =
            [
                new DiskSpec { Path = DiskImage, Format = "qcow2", Bus = "scsi", Readonly = true, Serial = "root-1" },
                new DiskSpec { Device = "cdrom" },
            ],
            Nics = [new NicSpec { Type = "bridge", Bridge = "br0", Mac = "52:54:00:12:34:56", Model = "e1000e" }],
            Serial = false, Graphics = new GraphicsSpec { Type = "vnc", Port = 5901 }, Autostart = true,
            OnCrash = OnCrash.Restart,
        };
        Assert.Equal("""
            name: web1
            uuid: 6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11
            description: "Front end: nginx"
            image: tiny
            vcpus: 2
            memory: 2GiB
            machine: pc
            cpu: max
            accel: tcg
            boot:
              kernel: /var/lib/vireo/images/tiny/vmlinuz
              initrd: /var/lib/vireo/images/tiny/initrd.img
              cmdline: console=ttyS0 quiet
              order: [disk, network]
            disks:
              - path: /var/lib/vireo/vms/web1/root.qcow2
                format: qcow2
                bus: scsi
                readonly: true
                serial: root-1
              - device: cdrom
            nics:
              - type: bridge
                bridge: br0
                mac: 52:54:00:12:34:56
                model: e1000e
            serial: false
            graphics:
              type: vnc
              port: 5901
            autostart: true
            on_crash: restart

            """.Replace("\r\n", "\n"), VmSpecWriter.ToYaml(spec));
        AssertSameSpec(spec, ParseOk(VmSpecWriter.ToYaml(spec)));
    }

    [Theory]
    [InlineData("2024")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData(".inf")]
    [InlineData("a: b")]
    [InlineData("a #b")]
    [InlineData("- x")]
    [InlineData("say \"hi\"\\now")]
    [InlineData("line1\nline2")]
    [InlineData("bell\u0007 esc\u001b nel\u0085 ls\u2028 bom\ufeff")]
    [InlineData("café 😀")]
    [InlineData("trailing ")]
    [InlineData(" leading")]
    [InlineData("[x], {y}, &a *b !c |d >e %f @g `h")]
    public void Strings_that_need_quoting_survive_a_round_trip(string text)
    {
        var spec = new VmSpec { Name = text, Description = text, Image = text, Boot = new BootSpec { Order = [text, "disk"] } };
        AssertSameSpec(spec, ParseOk(VmSpecWriter.ToYaml(spec)));
    }

    [Fact]
    public void Written_yaml_contains_no_raw_control_characters()
    {
        var yaml = VmSpecWriter.ToYaml(new VmSpec { Name = "x", Description = "a\u0007b\u001b[2Jc\td" });
        Assert.DoesNotContain(yaml, c => char.IsControl(c) && c != '\n');
    }

    [Fact]
    public void Memory_is_written_in_the_largest_exact_unit()
    {
        Assert.Contains("memory: 1536MiB\n", VmSpecWriter.ToYaml(new VmSpec { Name = "x", Memory = 1536 }), StringComparison.Ordinal);
        Assert.Contains("memory: 1TiB\n", VmSpecWriter.ToYaml(new VmSpec { Name = "x", Memory = 1024 * 1024 }), StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_with_only_defaults_is_an_empty_mapping()
    {
        var spec = new VmSpec { Name = "x", Disks = [new DiskSpec()] };
        Assert.Contains("disks:\n  - {}\n", VmSpecWriter.ToYaml(spec), StringComparison.Ordinal);
        AssertSameSpec(spec, ParseOk(VmSpecWriter.ToYaml(spec)));
    }

    [Fact]
    public void Effective_disk_defaults_depend_on_the_device()
    {
        var spec = VmSpecDefaults.WithEffectiveDiskDefaults(new VmSpec
        {
            Name = "x",
            Disks = [new DiskSpec { Path = DiskImage, Format = "qcow2" }, new DiskSpec { Device = "cdrom", Path = Iso }],
        });
        Assert.Equal(("virtio", "qcow2", false), (spec.Disks[0].Bus, spec.Disks[0].Format, spec.Disks[0].Readonly));
        Assert.Equal(("sata", "raw", true), (spec.Disks[1].Bus, spec.Disks[1].Format, spec.Disks[1].Readonly));
    }
}

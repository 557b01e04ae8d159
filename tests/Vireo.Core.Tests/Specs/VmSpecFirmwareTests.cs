using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

/// <summary>boot.once, boot.firmware and boot.secure_boot: parsed, written back, and checked.</summary>
public class VmSpecFirmwareTests
{
    private static VmSpec WithIso(BootSpec boot) => ValidSpec() with
    {
        Boot = boot,
        Disks = [new DiskSpec { Path = DiskImage, Format = "qcow2" }, new DiskSpec { Device = "cdrom", Path = Iso, Format = "raw" }],
    };

    [Fact]
    public void Once_firmware_and_secure_boot_parse_and_round_trip_through_the_writer()
    {
        var spec = ParseOk("name: web\nboot:\n  order: [disk]\n  once: [cdrom]\n  firmware: uefi\n  secure_boot: true\n");
        Assert.Equal(["cdrom"], spec.Boot.Once);
        Assert.Equal("uefi", spec.Boot.Firmware);
        Assert.True(spec.Boot.SecureBoot);
        var yaml = VmSpecWriter.ToYaml(spec);
        Assert.Contains("  once: [cdrom]\n  firmware: uefi\n  secure_boot: true\n", yaml);
        var again = ParseOk(yaml).Boot;
        Assert.Equal(spec.Boot.Once, again.Once);
        Assert.Equal(spec.Boot.Order, again.Order);
        Assert.Equal((spec.Boot.Firmware, spec.Boot.SecureBoot), (again.Firmware, again.SecureBoot));
    }

    [Fact]
    public void The_defaults_are_not_written() =>
        Assert.DoesNotContain("firmware", VmSpecWriter.ToYaml(new VmSpec { Name = "web", Boot = new BootSpec { Order = ["disk"] } }));

    [Fact]
    public void A_one_time_cdrom_boot_with_a_disk_order_passes() =>
        Assert.Empty(VmSpecValidator.Validate(WithIso(new BootSpec { Order = ["disk"], Once = ["cdrom"] }), Limits));

    [Fact]
    public void Once_entries_are_checked_like_the_order() =>
        AssertInvalid(WithIso(new BootSpec { Once = ["floppy"] }), "boot.once[0]", "is not a boot device");

    [Fact]
    public void Once_needs_the_device_it_names() =>
        AssertInvalid(ValidSpec() with { Boot = new BootSpec { Once = ["cdrom"] }, Disks = [new DiskSpec { Path = DiskImage, Format = "qcow2" }] },
            "boot.once[0]", "has no cdrom to boot from; add one under disks (device: cdrom) or remove it from boot.once");

    [Fact]
    public void An_unknown_firmware_is_refused_with_the_choices() =>
        AssertInvalid(WithIso(new BootSpec { Firmware = "efi" }), "boot.firmware", "is not a firmware");

    [Fact]
    public void Secure_boot_needs_uefi() =>
        AssertInvalid(WithIso(new BootSpec { SecureBoot = true }), "boot.secure_boot", "needs firmware: uefi");

    [Fact]
    public void Uefi_on_the_pc_machine_is_refused_naming_q35() =>
        AssertInvalid(WithIso(new BootSpec { Firmware = "uefi" }) with { Machine = "pc" }, "boot.firmware", "set machine: q35 or firmware: bios");

    [Fact]
    public void Uefi_without_ovmf_on_the_host_is_refused_naming_the_package()
    {
        var host = Limits with { UefiMissing = _ => "no UEFI firmware (OVMF) for x86_64 q35 is described in /empty" };
        var e = AssertInvalid(WithIso(new BootSpec { Firmware = "uefi" }), "boot.firmware", "install the ovmf package", host);
        Assert.Contains("/empty", e.Message);
        Assert.Equal("Install it: apt-get install ovmf", e.Hint);
    }
}

using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecValidatorBootTests
{
    private static VmSpec WithBoot(BootSpec boot) => ValidSpec() with { Boot = boot };

    [Fact]
    public void Kernel_must_exist() =>
        Assert.Equal("boot.kernel: \"/nope/vmlinuz\" does not exist; give the absolute path of a kernel file",
            AssertInvalid(WithBoot(new BootSpec { Kernel = "/nope/vmlinuz" }), "boot.kernel", "does not exist").ToString());

    [Fact]
    public void Kernel_must_be_absolute() =>
        AssertInvalid(WithBoot(new BootSpec { Kernel = "vmlinuz" }), "boot.kernel", "is a relative path; give the absolute path of a kernel file");

    [Fact]
    public void Kernel_path_cannot_be_empty() =>
        AssertInvalid(WithBoot(new BootSpec { Kernel = "" }), "boot.kernel", "is empty");

    [Fact]
    public void Initrd_must_exist() =>
        AssertInvalid(WithBoot(new BootSpec { Kernel = Kernel, Initrd = "/nope/initrd" }), "boot.initrd", "does not exist; give the absolute path of an initrd file");

    [Fact]
    public void Initrd_must_be_absolute() =>
        AssertInvalid(WithBoot(new BootSpec { Kernel = Kernel, Initrd = "initrd.img" }), "boot.initrd", "is a relative path");

    [Fact]
    public void Initrd_needs_a_kernel() =>
        AssertInvalid(WithBoot(new BootSpec { Initrd = Initrd }), "boot.initrd", "needs boot.kernel");

    [Fact]
    public void Cmdline_needs_a_kernel() =>
        AssertInvalid(WithBoot(new BootSpec { Cmdline = "console=ttyS0" }), "boot.cmdline", "needs boot.kernel");

    [Fact]
    public void Cmdline_has_a_length_limit()
    {
        Assert.Empty(VmSpecValidator.Validate(WithBoot(new BootSpec { Kernel = Kernel, Cmdline = new string('a', 4096) }), Limits));
        AssertInvalid(WithBoot(new BootSpec { Kernel = Kernel, Cmdline = new string('a', 4097) }), "boot.cmdline", "is 4097 characters long; the kernel accepts at most 4096");
    }

    [Fact]
    public void Cmdline_cannot_contain_newlines() =>
        AssertInvalid(WithBoot(new BootSpec { Kernel = Kernel, Cmdline = "console=ttyS0\ninit=/bin/sh" }), "boot.cmdline", "control character \\u000a");

    [Fact]
    public void Firmware_boot_order_from_existing_devices_passes()
    {
        var spec = ValidSpec() with
        {
            Boot = new BootSpec { Order = ["cdrom", "disk", "network"] },
            Disks = [new DiskSpec { Path = DiskImage, Format = "qcow2" }, new DiskSpec { Device = "cdrom", Path = Iso }],
        };
        Assert.Empty(VmSpecValidator.Validate(spec, Limits));
    }

    [Theory]
    [InlineData("hd", "boot.order[0]: \"hd\" is not a boot device; use disk, cdrom or network")]
    [InlineData("dsik", "did you mean \"disk\"?")]
    [InlineData("netwrk", "did you mean \"network\"?")]
    public void Order_entries_must_be_boot_devices(string entry, string fragment) =>
        AssertInvalid(WithBoot(new BootSpec { Order = [entry] }), "boot.order[0]", fragment);

    [Fact]
    public void Order_entries_cannot_repeat() =>
        AssertInvalid(WithBoot(new BootSpec { Order = ["disk", "network", "disk"] }), "boot.order[2]", "is already listed at boot.order[0]");

    [Fact]
    public void Order_entries_need_a_matching_device()
    {
        AssertInvalid(WithBoot(new BootSpec { Order = ["cdrom"] }), "boot.order[0]", "has no cdrom to boot from; add one under disks (device: cdrom)");
        AssertInvalid(WithBoot(new BootSpec { Order = ["network"] }) with { Nics = [] }, "boot.order[0]", "has no NIC to boot from");
    }

    [Fact]
    public void Something_must_be_bootable()
    {
        var spec = ValidSpec() with { Boot = new BootSpec(), Disks = [], Nics = [] };
        Assert.Equal("boot: has nothing to boot from; give boot.kernel, image: tiny, a disk, a cdrom or a NIC",
            AssertInvalid(spec, "boot", "nothing to boot").ToString());
    }

    [Fact]
    public void A_builtin_image_alone_is_bootable() =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Boot = new BootSpec(), Image = "tiny", Disks = [], Nics = [] }, Limits));

    [Fact]
    public void A_kernel_alone_is_bootable() =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Disks = [], Nics = [] }, Limits));

    [Fact]
    public void An_empty_cdrom_alone_is_bootable() =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Boot = new BootSpec(), Disks = [new DiskSpec { Device = "cdrom" }], Nics = [] }, Limits));
}

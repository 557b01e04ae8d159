using Vireo.Cli.Create;

namespace Vireo.Cli.Tests;

/// <summary><c>--boot uefi[,secure_boot=on]</c>: the firmware items of virt-install's --boot.</summary>
public sealed class BootOptionFirmwareTests
{
    [Theory]
    [InlineData("uefi", "uefi", false, new string[0])]
    [InlineData("uefi,secure_boot=on", "uefi", true, new string[0])]
    [InlineData("hd,cdrom,uefi", "uefi", false, new[] { "disk", "cdrom" })]
    [InlineData("bios,hd", "bios", false, new[] { "disk" })]
    [InlineData("cdrom", "bios", false, new[] { "cdrom" })]
    public void Firmware_items_set_firmware_and_secure_boot_beside_the_order(string text, string firmware, bool secure, string[] order)
    {
        var boot = BootOption.Parse(text, "/");
        Assert.Equal((firmware, secure), (boot.Firmware, boot.SecureBoot));
        Assert.Equal(order, boot.Order);
    }

    [Fact]
    public void Uefi_combines_with_direct_kernel_boot()
    {
        var boot = BootOption.Parse("uefi,kernel=/k", "/");
        Assert.Equal(("uefi", "/k"), (boot.Firmware, boot.Kernel));
    }

    [Theory]
    [InlineData("bios,secure_boot=on", "secure_boot=on needs UEFI")]
    [InlineData("uefi,bios", "the firmware is given twice")]
    [InlineData("uefi,secure_boot=maybe", "is not on/off")]
    public void Contradictions_are_refused_with_the_accepted_forms(string text, string problem)
    {
        var e = Assert.ThrowsAny<Exception>(() => BootOption.Parse(text, "/"));
        Assert.Contains(problem, e.Message);
        Assert.Contains("the firmware: uefi", e.Message);
    }
}

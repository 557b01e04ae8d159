using Vireo.Contracts;
using Vireo.Host.Firmware;

namespace Vireo.Host.Checks;

/// <summary>
/// OVMF (UEFI firmware) described by a QEMU firmware descriptor, with its files present. A warning, not a failure:
/// BIOS VMs run without it; only <c>boot.firmware: uefi</c> needs it.
/// </summary>
internal sealed class UefiFirmwareCheck : FileHostCheck
{
    public override string Id => HostCheckIds.UefiFirmware;
    public override string Title => "UEFI firmware (OVMF)";

    /// <summary>The fix for a missing firmware.</summary>
    private static string MissingFix => $"install OVMF: apt-get install {FirmwareLocator.Package} (RHEL/Fedora: dnf install edk2-ovmf)";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var locator = new FirmwareLocator(env.FirmwareDescriptorDirs);
        if (locator.Find(secureBoot: false) is not { } plain)
            return Warn($"{locator.MissingDetail(false)}; VMs with firmware: uefi cannot start", MissingFix);
        var secure = locator.Find(secureBoot: true);
        return Pass(secure is null
            ? $"{plain.CodePath} (no Secure Boot build: secure_boot: true cannot be used)"
            : $"{plain.CodePath}; Secure Boot: {secure.CodePath}{(secure.EnrolledKeys ? " with Microsoft keys enrolled" : "")}");
    }
}

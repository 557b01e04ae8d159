using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--boot kernel=K,initrd=I,kernel_args=A</c> (direct kernel boot) or <c>--boot hd,cdrom,network</c> (firmware
/// boot order), and <c>--boot uefi[,secure_boot=on]</c> or <c>bios</c> (the firmware), as virt-install spells them.
/// </summary>
internal static class BootOption
{
    public const string Flag = "--boot";
    public const string Accepted =
        "Accepted: kernel=PATH, initrd=PATH, kernel_args=TEXT (alias cmdline; quote it when it contains commas: " +
        "kernel_args=\"console=ttyS0,115200\"), a boot order of hd, cdrom, network, and the firmware: uefi " +
        "(with secure_boot=on|off) or bios.";

    private static readonly Dictionary<string, string> OrderTokens = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hd"] = "disk",
        ["disk"] = "disk",
        ["cdrom"] = "cdrom",
        ["network"] = "network",
    };

    /// <summary>True when the value names the firmware (uefi, efi or bios); otherwise vireod chooses it (from --os).</summary>
    public static bool NamesFirmware(string text) =>
        KeyValueList.Parse(Flag, text, Accepted).Any(i => i.Key is null && i.Value.ToLowerInvariant() is "uefi" or "efi" or "bios");

    public static BootSpec Parse(string text, string cwd)
    {
        string? kernel = null, initrd = null, cmdline = null, firmware = null;
        bool? secureBoot = null;
        var order = new List<string>();
        foreach (var item in KeyValueList.Parse(Flag, text, Accepted))
        {
            switch (item.Key)
            {
                case null when OrderTokens.TryGetValue(item.Value, out string? device):
                    if (order.Contains(device))
                        throw KeyValueList.Error(Flag, text, $"boot device \"{item.Value}\" is listed twice", Accepted);
                    order.Add(device);
                    break;
                case null when item.Value.ToLowerInvariant() is "uefi" or "efi" or "bios":
                    if (firmware is not null)
                        throw KeyValueList.Error(Flag, text, "the firmware is given twice; give uefi or bios once", Accepted);
                    firmware = item.Value.ToLowerInvariant() == "bios" ? "bios" : "uefi";
                    break;
                case null:
                    throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Value}\"", Accepted);
                case "secure_boot" or "loader_secure" or "firmware.feature0.enabled":
                    secureBoot = KeyValueList.ParseBool(item.Value)
                        ?? throw KeyValueList.Error(Flag, text, $"secure_boot=\"{item.Value}\" is not on/off", Accepted);
                    break;
                case "kernel":
                    kernel = Paths.Absolute(item.Value, cwd);
                    break;
                case "initrd":
                    initrd = Paths.Absolute(item.Value, cwd);
                    break;
                case "kernel_args" or "cmdline":
                    cmdline = item.Value;
                    break;
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        if (kernel is null && (initrd is not null || cmdline is not null))
            throw KeyValueList.Error(Flag, text, "initrd and kernel_args need kernel=PATH", Accepted);
        if (kernel is not null && order.Count > 0)
            throw KeyValueList.Error(Flag, text, "a boot order cannot be combined with direct kernel boot", Accepted);
        if (secureBoot == true && firmware != "uefi")
            throw KeyValueList.Error(Flag, text, "secure_boot=on needs UEFI: add uefi (--boot uefi,secure_boot=on)", Accepted);
        return new BootSpec
        {
            Kernel = kernel, Initrd = initrd, Cmdline = cmdline, Order = order,
            Firmware = firmware ?? "bios", SecureBoot = secureBoot ?? false,
        };
    }
}

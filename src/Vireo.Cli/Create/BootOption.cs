using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--boot kernel=K,initrd=I,kernel_args=A</c> (direct kernel boot) or <c>--boot hd,cdrom,network</c> (firmware
/// boot order), as virt-install spells them; <c>uefi</c> (or <c>bios</c>) and <c>secure_boot=on</c> pick the firmware,
/// alone or with either.
/// </summary>
internal static class BootOption
{
    public const string Flag = "--boot";
    public const string Accepted =
        "Accepted: kernel=PATH, initrd=PATH, kernel_args=TEXT (alias cmdline; quote it when it contains commas: " +
        "kernel_args=\"console=ttyS0,115200\"), or a boot order of hd, cdrom, network; uefi or bios, and secure_boot=on|off " +
        "(with uefi).";

    private static readonly Dictionary<string, string> OrderTokens = new(StringComparer.OrdinalIgnoreCase)
    {
        ["hd"] = "disk",
        ["disk"] = "disk",
        ["cdrom"] = "cdrom",
        ["network"] = "network",
    };

    public static BootSpec Parse(string text, string cwd)
    {
        string? kernel = null, initrd = null, cmdline = null;
        var order = new List<string>();
        string? firmware = null;
        bool? secureBoot = null;
        foreach (var item in KeyValueList.Parse(Flag, text, Accepted))
        {
            switch (item.Key)
            {
                case null when OrderTokens.TryGetValue(item.Value, out string? device):
                    if (order.Contains(device))
                        throw KeyValueList.Error(Flag, text, $"boot device \"{item.Value}\" is listed twice", Accepted);
                    order.Add(device);
                    break;
                case null when item.Value.ToLowerInvariant() is "uefi" or "bios":
                    if (firmware is not null)
                        throw KeyValueList.Error(Flag, text, $"the firmware is given twice ({firmware}, {item.Value})", Accepted);
                    firmware = item.Value.ToLowerInvariant();
                    break;
                case null:
                    throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Value}\"", Accepted);
                case "secure_boot":
                    secureBoot = item.Value.ToLowerInvariant() switch
                    {
                        "on" or "yes" or "true" => true,
                        "off" or "no" or "false" => false,
                        _ => throw KeyValueList.Error(Flag, text, $"secure_boot=\"{item.Value}\" is not on or off", Accepted),
                    };
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
        if (secureBoot == true && firmware == "bios")
            throw KeyValueList.Error(Flag, text, "secure_boot=on needs uefi (SeaBIOS has no Secure Boot)", Accepted);
        return new BootSpec
        {
            Kernel = kernel, Initrd = initrd, Cmdline = cmdline, Order = order,
            Firmware = firmware ?? (secureBoot == true ? "uefi" : "bios"), SecureBoot = secureBoot == true,
        };
    }
}

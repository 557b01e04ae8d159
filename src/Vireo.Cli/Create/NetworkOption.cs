using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--network user|bridge=BR|none[,model=M][,mac=MAC]</c>, repeatable, as virt-install spells it.
/// Returns null for <c>none</c> (no NIC at all).
/// </summary>
internal static class NetworkOption
{
    public const string Flag = "--network";
    public const string Accepted =
        "Accepted: user, bridge=BRIDGE, or none; then model=virtio|e1000e|rtl8139 and mac=52:54:00:xx:xx:xx.";

    private static readonly string[] Models = ["virtio", "e1000e", "rtl8139"];

    public static NicSpec? Parse(string text)
    {
        string? type = null, bridge = null, mac = null;
        string model = "virtio";
        var items = KeyValueList.Parse(Flag, text, Accepted);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            switch (item.Key)
            {
                case null when i == 0 && item.Value.ToLowerInvariant() is "user" or "none" or "bridge":
                    type = item.Value.ToLowerInvariant();
                    break;
                case null:
                    throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Value}\"", Accepted);
                case "bridge":
                    if (type is not null and not "bridge")
                        throw KeyValueList.Error(Flag, text, $"bridge= does not go with {type}", Accepted);
                    type = "bridge";
                    bridge = item.Value;
                    break;
                case "model":
                    model = item.Value.ToLowerInvariant();
                    if (Array.IndexOf(Models, model) < 0)
                        throw KeyValueList.Error(Flag, text, $"model=\"{item.Value}\" is not one of {string.Join(", ", Models)}", Accepted);
                    break;
                case "mac":
                    mac = item.Value.ToLowerInvariant();
                    break;
                case "network":
                    throw KeyValueList.Error(Flag, text, "libvirt-style named networks (network=NAME) do not exist in Vireo yet", Accepted);
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        switch (type)
        {
            case null:
                throw KeyValueList.Error(Flag, text, "say which network: user, bridge=BRIDGE or none", Accepted);
            case "none":
                if (items.Count > 1)
                    throw KeyValueList.Error(Flag, text, "none takes no other keys", Accepted);
                return null;
            case "bridge" when bridge is null:
                throw KeyValueList.Error(Flag, text, "bridge needs a name: bridge=BRIDGE", Accepted);
            default:
                return new NicSpec { Type = type, Bridge = bridge, Mac = mac, Model = model };
        }
    }
}

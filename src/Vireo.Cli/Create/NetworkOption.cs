using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--network network=NAME|bridge=BR|user|none[,model=M][,mac=MAC][,link=up|down]</c>, repeatable, as virt-install spells it.
/// Returns null for <c>none</c> (no NIC at all).
/// </summary>
internal static class NetworkOption
{
    public const string Flag = "--network";
    public const string Accepted =
        "Accepted: network=NAME, bridge=BRIDGE, user, or none; then model=virtio|e1000e|rtl8139, mac=52:54:00:xx:xx:xx and link=up|down.";

    private static readonly string[] Models = ["virtio", "e1000e", "rtl8139"];

    public static NicSpec? Parse(string text)
    {
        string? type = null, bridge = null, mac = null, network = null;
        var link = true;
        string model = "virtio";
        var items = KeyValueList.Parse(Flag, text, Accepted);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            switch (item.Key)
            {
                case null when i == 0 && item.Value.ToLowerInvariant() is "user" or "none" or "bridge" or "network":
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
                    if (type is not null and not "network")
                        throw KeyValueList.Error(Flag, text, $"network= does not go with {type}", Accepted);
                    type = "network";
                    network = item.Value;
                    break;
                case "link":
                    link = item.Value.ToLowerInvariant() switch
                    {
                        "up" or "on" => true,
                        "down" or "off" => false,
                        _ => throw KeyValueList.Error(Flag, text, $"link=\"{item.Value}\" is not up or down", Accepted),
                    };
                    break;
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        switch (type)
        {
            case null:
                throw KeyValueList.Error(Flag, text, "say which network: network=NAME, bridge=BRIDGE, user or none", Accepted);
            case "none":
                if (items.Count > 1)
                    throw KeyValueList.Error(Flag, text, "none takes no other keys", Accepted);
                return null;
            case "bridge" when bridge is null:
                throw KeyValueList.Error(Flag, text, "bridge needs a name: bridge=BRIDGE", Accepted);
            case "network" when network is null:
                throw KeyValueList.Error(Flag, text, "network needs a name: network=NAME (vireo net list shows them)", Accepted);
            default:
                return new NicSpec { Type = type, Bridge = bridge, Network = network, Mac = mac, Model = model, Link = link };
        }
    }
}

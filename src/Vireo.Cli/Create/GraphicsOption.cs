using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary><c>--graphics vnc[,port=N]|none</c>. VNC always listens on 127.0.0.1 only.</summary>
internal static class GraphicsOption
{
    public const string Flag = "--graphics";
    public const string Accepted = "Accepted: vnc (optionally vnc,port=5900-65535) or none.";

    public static GraphicsSpec Parse(string text)
    {
        string? type = null;
        int? port = null;
        var items = KeyValueList.Parse(Flag, text, Accepted);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            switch (item.Key)
            {
                case null when i == 0 && item.Value.ToLowerInvariant() is "vnc" or "none":
                    type = item.Value.ToLowerInvariant();
                    break;
                case "port" when type == "vnc":
                    if (!int.TryParse(item.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 5900 or > 65535)
                        throw KeyValueList.Error(Flag, text, $"port=\"{item.Value}\" is not a port between 5900 and 65535", Accepted);
                    port = p;
                    break;
                case null:
                    throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Value}\"", Accepted);
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        return new GraphicsSpec { Type = type ?? throw KeyValueList.Error(Flag, text, "say vnc or none", Accepted), Port = port };
    }
}

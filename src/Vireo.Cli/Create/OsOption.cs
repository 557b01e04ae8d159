namespace Vireo.Cli.Create;

/// <summary>
/// <c>--os ID</c>, with virt-install's spellings <c>--os-variant ID</c> and <c>--osinfo ID</c>: a bare id or
/// <c>name=ID</c> / <c>short-id=ID</c> / <c>id=URL</c>, plus <c>detect=on|off</c> and <c>require=on|off</c>. Vireo
/// cannot detect an OS from install media, so <c>detect=on</c> without an id means no OS when
/// <c>require=off</c> (modern defaults) and is refused when an OS is required.
/// </summary>
internal static class OsOption
{
    public const string Flag = "--os";
    public const string Accepted =
        "Accepted: an osinfo short id (debian12, win2k22; vireo os list shows them), name=ID, short-id=ID, id=URL, " +
        "detect=on|off and require=on|off.";

    /// <summary>The OS the value names (as vireod looks it up), or null for none.</summary>
    public static string? Parse(string text)
    {
        string? id = null;
        bool detect = false, require = true;
        foreach (var item in KeyValueList.Parse(Flag, text, Accepted))
        {
            switch (item.Key)
            {
                case null when id is null:
                    id = item.Value;
                    break;
                case "name" or "short_id" when id is null:
                    id = item.Value;
                    break;
                case "id" when id is null:
                    id = "id=" + item.Value;
                    break;
                case null or "name" or "short_id" or "id":
                    throw KeyValueList.Error(Flag, text, "it names more than one OS; give one", Accepted);
                case "detect":
                    detect = KeyValueList.ParseBool(item.Value)
                        ?? throw KeyValueList.Error(Flag, text, $"detect=\"{item.Value}\" is not on/off", Accepted);
                    break;
                case "require":
                    require = KeyValueList.ParseBool(item.Value)
                        ?? throw KeyValueList.Error(Flag, text, $"require=\"{item.Value}\" is not on/off", Accepted);
                    break;
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        if (id is not null)
            return id;
        if (detect && !require)
            return null;
        throw KeyValueList.Error(Flag, text,
            detect ? "Vireo cannot detect the OS from install media; name it (--os debian12) or add require=off for generic defaults"
                   : "it names no OS", Accepted);
    }
}

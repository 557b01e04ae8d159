namespace Vireo.Host.Linux;

/// <summary>Group id → name from /etc/group (enough to tell an operator which group to join).</summary>
internal static class GroupNames
{
    public static string Of(string etcRoot, uint gid)
    {
        var path = Path.Combine(etcRoot, "group");
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var f = line.Split(':');
                if (f.Length >= 3 && uint.TryParse(f[2], out var id) && id == gid) return f[0];
            }
        }
        return gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

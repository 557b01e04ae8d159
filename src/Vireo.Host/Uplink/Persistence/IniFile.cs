namespace Vireo.Host.Uplink.Persistence;

/// <summary>The [Section] key=value files of systemd and NetworkManager: sections in order, keys in order, repeats kept.</summary>
internal sealed class IniFile
{
    public List<(string Name, List<string> Lines)> Sections { get; } = [];

    public static IniFile Parse(string text)
    {
        var ini = new IniFile();
        List<string>? current = null;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = [];
                ini.Sections.Add((line[1..^1], current));
            }
            else if (current is not null && line.Length > 0 && line[0] is not ('#' or ';')) current.Add(line);
        }
        return ini;
    }

    public IEnumerable<string> Values(string section, string key) =>
        Sections.Where(s => s.Name == section).SelectMany(s => s.Lines)
            .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0].Trim() == key).Select(kv => kv[1].Trim());

    public string? Value(string section, string key) => Values(section, key).LastOrDefault();

    public List<string> Section(string name) => Sections.FirstOrDefault(s => s.Name == name).Lines ?? [];
}

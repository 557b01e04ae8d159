using System.Globalization;
using System.Text.RegularExpressions;

namespace Vireo.Qemu;

/// <summary>Parsers for the human-readable output of QEMU's help options (QEMU has no JSON form of them).</summary>
internal static partial class QemuHelpParsers
{
    [GeneratedRegex(@"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?(?: \((.*)\))?")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^(\S+)\s+(.*)$")]
    private static partial Regex MachineLine();

    [GeneratedRegex(@"\s*\((default|deprecated|alias of (\S+))\)$")]
    private static partial Regex MachineSuffix();

    [GeneratedRegex(@"^name ""([^""]+)""(?:, bus [^,]+)?(?:, alias ""([^""]+)"")?")]
    private static partial Regex DeviceLine();

    /// <summary>Parses <c>--version</c>: "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)".</summary>
    public static (QemuVersion Version, string? Package)? ParseVersion(string text)
    {
        var m = VersionLine().Match(text);
        if (!m.Success) return null;
        int N(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        var package = m.Groups[4].Success && m.Groups[4].Value.Length > 0 ? m.Groups[4].Value : null;
        return (new QemuVersion(N(m.Groups[1]), N(m.Groups[2]), N(m.Groups[3])), package);
    }

    /// <summary>Parses <c>-machine help</c>: a header line, then "NAME   DESCRIPTION (alias of X) (default)".</summary>
    public static IReadOnlyList<QemuMachineType> ParseMachines(string text)
    {
        var machines = new List<QemuMachineType>();
        foreach (var line in Lines(text))
        {
            if (line.StartsWith("Supported machines", StringComparison.Ordinal)) continue;
            var m = MachineLine().Match(line);
            if (!m.Success) continue;
            var description = m.Groups[2].Value;
            string? alias = null;
            bool isDefault = false, deprecated = false;
            // Suffixes come in any combination at the end: peel them off one by one.
            for (var s = MachineSuffix().Match(description); s.Success; s = MachineSuffix().Match(description))
            {
                if (s.Groups[1].Value == "default") isDefault = true;
                else if (s.Groups[1].Value == "deprecated") deprecated = true;
                else alias = s.Groups[2].Value;
                description = description[..s.Index];
            }
            machines.Add(new QemuMachineType(m.Groups[1].Value, description.Trim(), alias, isDefault, deprecated));
        }
        return machines;
    }

    /// <summary>Parses <c>-accel help</c>: a header line, then one accelerator per line.</summary>
    public static IReadOnlyList<string> ParseAccelerators(string text) =>
        Lines(text).Where(l => !l.Contains(' ') && !l.EndsWith(':')).ToArray();

    /// <summary>Parses <c>-device help</c>: category headers, then 'name "X", bus Y, alias "Z", desc "..."'.</summary>
    public static IReadOnlySet<string> ParseDevices(string text)
    {
        var devices = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var m = DeviceLine().Match(line);
            if (!m.Success) continue;
            devices.Add(m.Groups[1].Value);
            if (m.Groups[2].Success) devices.Add(m.Groups[2].Value);
        }
        return devices;
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
}

using System.Globalization;
using Vireo.Host.Os;

namespace Vireo.Host.Tests.Support;

/// <summary>
/// A FAKE <see cref="IDeviceNodes"/>: git cannot store character devices, so a fixture describes its /dev in
/// dev/devices.txt (kind, major:minor, mode, gid, and the errno open(O_RDWR) would fail with, or ok). The real
/// <see cref="LinuxDeviceNodes"/> is tested against the real /dev in LinuxDeviceNodesTests.
/// </summary>
internal sealed class ManifestDeviceNodes(string devRoot) : IDeviceNodes
{
    /// <summary>The errno names a manifest (or a test) may use, with glibc's strerror text.</summary>
    public static readonly IReadOnlyDictionary<string, OpenError> Errors = new Dictionary<string, OpenError>
    {
        ["EPERM"] = new(1, "Operation not permitted"),
        ["ENOENT"] = new(2, "No such file or directory"),
        ["ENXIO"] = new(6, "No such device or address"),
        ["EACCES"] = new(13, "Permission denied"),
        ["ENODEV"] = new(19, "No such device"),
    };

    private readonly Dictionary<string, (DeviceNode Node, OpenError? OpenError)> _nodes = Load(devRoot);

    public void Set(string relativePath, DeviceNode node, string? openErrno = null) =>
        _nodes[Path.Combine(devRoot, relativePath)] = (node, openErrno is null ? null : Errors[openErrno]);

    public void Remove(string relativePath) => _nodes.Remove(Path.Combine(devRoot, relativePath));

    public DeviceNode Inspect(string path) => _nodes.TryGetValue(path, out var n) ? n.Node : DeviceNode.Missing;

    public OpenError? TryOpenReadWrite(string path) =>
        _nodes.TryGetValue(path, out var n) ? n.OpenError : Errors["ENOENT"];

    private static Dictionary<string, (DeviceNode, OpenError?)> Load(string devRoot)
    {
        var nodes = new Dictionary<string, (DeviceNode, OpenError?)>();
        var manifest = Path.Combine(devRoot, "devices.txt");
        if (!File.Exists(manifest)) return nodes;
        foreach (var line in File.ReadLines(manifest))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            // path | kind | major:minor | mode | gid | open result
            var f = line.Split('|');
            var mm = f[2].Split(':');
            var kind = f[1] == "char" ? NodeKind.CharDevice : NodeKind.Other;
            var node = new DeviceNode(kind, uint.Parse(mm[0]), uint.Parse(mm[1]),
                Convert.ToUInt32(f[3], 8), 0, uint.Parse(f[4], CultureInfo.InvariantCulture));
            nodes[Path.Combine(devRoot, f[0])] = (node, f[5] == "ok" ? null : Errors[f[5]]);
        }
        return nodes;
    }
}

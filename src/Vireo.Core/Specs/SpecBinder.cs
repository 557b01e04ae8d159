using System.Globalization;
using Vireo.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vireo.Core.Specs;

/// <summary>Binds a YAML tree to <see cref="VmSpec"/>, collecting every problem with its path.</summary>
internal sealed class SpecBinder
{
    private static readonly string[] RootFields =
        ["name", "uuid", "description", "image", "vcpus", "memory", "machine", "cpu", "accel", "boot", "disks", "nics", "serial", "graphics", "autostart", "on_crash"];
    private static readonly string[] BootFields = ["kernel", "initrd", "cmdline", "order"];
    private static readonly string[] DiskFields = ["path", "format", "device", "bus", "readonly", "serial"];
    private static readonly string[] NicFields = ["type", "bridge", "mac", "model"];
    private static readonly string[] GraphicsFields = ["type", "port"];

    public List<FieldError> Errors { get; } = [];

    public VmSpec? BindRoot(YamlNode root)
    {
        var map = Mapping(root, "(document)", RootFields);
        if (map is null)
            return null;
        var name = String(map, "name", "name");
        if (name is null && !map.ContainsKey("name"))
            Error("name", null, "is missing; every VM needs a name");
        var defaults = new VmSpec { Name = "" };
        var onCrash = OnCrashValue(map);
        return new VmSpec
        {
            Name = name ?? "",
            Uuid = String(map, "uuid", "uuid"),
            Description = String(map, "description", "description"),
            Image = String(map, "image", "image"),
            Vcpus = Int(map, "vcpus", "vcpus") ?? defaults.Vcpus,
            Memory = MemoryValue(map) ?? defaults.Memory,
            Machine = String(map, "machine", "machine") ?? defaults.Machine,
            Cpu = String(map, "cpu", "cpu") ?? defaults.Cpu,
            Accel = String(map, "accel", "accel") ?? defaults.Accel,
            Boot = map.TryGetValue("boot", out var boot) && !IsNull(boot) ? BindBoot(boot) : new BootSpec(),
            Disks = List(map, "disks", "disks", BindDisk),
            Nics = List(map, "nics", "nics", BindNic),
            Serial = Bool(map, "serial", "serial") ?? defaults.Serial,
            Graphics = map.TryGetValue("graphics", out var graphics) && !IsNull(graphics) ? BindGraphics(graphics) : new GraphicsSpec(),
            Autostart = Bool(map, "autostart", "autostart") ?? false,
            OnCrash = onCrash ?? OnCrash.Destroy,
        };
    }

    private BootSpec BindBoot(YamlNode node)
    {
        var map = Mapping(node, "boot", BootFields) ?? [];
        return new BootSpec
        {
            Kernel = String(map, "kernel", "boot.kernel"),
            Initrd = String(map, "initrd", "boot.initrd"),
            Cmdline = String(map, "cmdline", "boot.cmdline"),
            Order = List(map, "order", "boot.order", (n, p) => ScalarString(n, p)),
        };
    }

    private DiskSpec? BindDisk(YamlNode node, string path)
    {
        var map = Mapping(node, path, DiskFields);
        if (map is null)
            return null;
        return new DiskSpec
        {
            Path = String(map, "path", $"{path}.path"),
            Format = String(map, "format", $"{path}.format"),
            Device = String(map, "device", $"{path}.device") ?? "disk",
            Bus = String(map, "bus", $"{path}.bus"),
            Readonly = Bool(map, "readonly", $"{path}.readonly") ?? false,
            Serial = String(map, "serial", $"{path}.serial"),
        };
    }

    private NicSpec? BindNic(YamlNode node, string path)
    {
        var map = Mapping(node, path, NicFields);
        if (map is null)
            return null;
        return new NicSpec
        {
            Type = String(map, "type", $"{path}.type") ?? "user",
            Bridge = String(map, "bridge", $"{path}.bridge"),
            Mac = String(map, "mac", $"{path}.mac"),
            Model = String(map, "model", $"{path}.model") ?? "virtio",
        };
    }

    private GraphicsSpec BindGraphics(YamlNode node)
    {
        var map = Mapping(node, "graphics", GraphicsFields) ?? [];
        return new GraphicsSpec
        {
            Type = String(map, "type", "graphics.type") ?? "vnc",
            Port = map.TryGetValue("port", out var port) && port is YamlScalarNode { Value: "auto" } ? null : Int(map, "port", "graphics.port"),
        };
    }

    private long? MemoryValue(Dictionary<string, YamlNode> map)
    {
        if (!map.TryGetValue("memory", out var node) || IsNull(node))
            return null;
        if (node is not YamlScalarNode scalar)
        {
            Error("memory", null, "must be a size such as 512 (MiB), 512MiB or 2G");
            return null;
        }
        var text = scalar.Value ?? "";
        if (!SizeParser.TryParse(text, SizeParser.MiB, out var bytes, out var error))
        {
            Error("memory", text, error!);
            return null;
        }
        if (bytes % SizeParser.MiB != 0)
        {
            Error("memory", text, "is not a whole number of MiB; guest memory is set in MiB");
            return null;
        }
        return bytes / SizeParser.MiB;
    }

    private OnCrash? OnCrashValue(Dictionary<string, YamlNode> map)
    {
        var text = String(map, "on_crash", "on_crash");
        return text switch
        {
            null => null,
            "destroy" => OnCrash.Destroy,
            "restart" => OnCrash.Restart,
            "preserve" => OnCrash.Preserve,
            _ => ErrorAndNull<OnCrash>("on_crash", text, "is not one of destroy, restart, preserve"),
        };
    }

    /// <summary>A mapping's entries by key; unknown keys are reported with a suggestion.</summary>
    private Dictionary<string, YamlNode>? Mapping(YamlNode node, string path, string[] known)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, Describe(node), path == "(document)" ? "must be a mapping of fields (name: ..., memory: ...)" : "must be a mapping of fields");
            return null;
        }
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var fieldPath = path == "(document)" ? key : $"{path}.{key}";
            if (!known.Contains(key))
            {
                var suggestion = Suggest(key, known);
                Error(fieldPath, null, suggestion is null
                    ? $"unknown field; known fields here: {string.Join(", ", known)}"
                    : $"unknown field; did you mean \"{suggestion}\"?");
                continue;
            }
            if (!result.TryAdd(key, value))
                Error(fieldPath, null, "appears twice");
        }
        return result;
    }

    private IReadOnlyList<T> List<T>(Dictionary<string, YamlNode> map, string key, string path, Func<YamlNode, string, T?> bind)
    {
        if (!map.TryGetValue(key, out var node) || IsNull(node))
            return [];
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, Describe(node), "must be a list");
            return [];
        }
        var items = new List<T>();
        for (var i = 0; i < sequence.Children.Count; i++)
            if (bind(sequence.Children[i], $"{path}[{i}]") is { } item)
                items.Add(item);
        return items;
    }

    private string? String(Dictionary<string, YamlNode> map, string key, string path) =>
        map.TryGetValue(key, out var node) && !IsNull(node) ? ScalarString(node, path) : null;

    private string? ScalarString(YamlNode node, string path)
    {
        if (node is YamlScalarNode scalar)
            return scalar.Value ?? "";
        Error(path, null, node is YamlSequenceNode ? "must be a text value, not a list" : "must be a text value, not a mapping");
        return null;
    }

    private int? Int(Dictionary<string, YamlNode> map, string key, string path)
    {
        if (!map.TryGetValue(key, out var node) || IsNull(node))
            return null;
        if (node is not YamlScalarNode scalar)
            return ErrorAndNull<int>(path, null, "must be an integer");
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? ErrorAndNull<int>(path, text, $"is a string; write {text} without quotes")
                : ErrorAndNull<int>(path, text, "is not an integer");
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : ErrorAndNull<int>(path, text, "is not an integer");
    }

    private bool? Bool(Dictionary<string, YamlNode> map, string key, string path)
    {
        if (!map.TryGetValue(key, out var node) || IsNull(node))
            return null;
        if (node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } scalar)
        {
            switch (scalar.Value)
            {
                case "true" or "True" or "TRUE":
                    return true;
                case "false" or "False" or "FALSE":
                    return false;
            }
        }
        return ErrorAndNull<bool>(path, (node as YamlScalarNode)?.Value, "is not a boolean; write true or false");
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string? Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value,
        _ => null,
    };

    private T? ErrorAndNull<T>(string path, string? value, string message) where T : struct
    {
        Error(path, value, message);
        return null;
    }

    private void Error(string path, string? value, string message) =>
        Errors.Add(new FieldError { Field = path, Value = value is null ? null : VmNameRules.Printable(value), Message = message });

    /// <summary>The closest known field within edit distance 2, for typos such as "fromat".</summary>
    internal static string? Suggest(string key, IEnumerable<string> known) =>
        known.Select(k => (k, d: Distance(key.ToLowerInvariant(), k))).Where(x => x.d <= 2).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();

    /// <summary>Damerau-Levenshtein distance (optimal string alignment): a swap of two letters counts as one edit.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

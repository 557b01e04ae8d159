namespace Vireo.Core.Specs;

/// <summary>The wire names of every spec field, per level, in the order the writer emits them.</summary>
internal static class SpecFields
{
    public static readonly string[] Root =
    [
        "name", "uuid", "description", "image", "vcpus", "max_vcpus", "memory", "max_memory", "machine", "cpu", "accel",
        "boot", "disks", "nics", "serial", "graphics", "autostart", "on_crash",
    ];

    public static readonly string[] Boot = ["kernel", "initrd", "cmdline", "order", "once", "firmware", "secure_boot"];

    public static readonly string[] Disk = ["volume", "path", "format", "device", "bus", "readonly", "serial", "cache", "aio", "discard"];

    public static readonly string[] Nic = ["type", "network", "bridge", "mac", "model", "link"];

    public static readonly string[] Graphics = ["type", "port"];

    public static string Join(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies inside it.</summary>
    public static bool IsWithin(string path, string ancestor) =>
        path == ancestor
        || path.Length > ancestor.Length && path.StartsWith(ancestor, StringComparison.Ordinal)
                                         && path[ancestor.Length] is '.' or '[';
}

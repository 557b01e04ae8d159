using System.Globalization;
using System.Text;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Renders a <see cref="VmSpec"/> as readable YAML in a stable field order (the schema's order), leaving out
/// fields that hold their default (except name, vcpus and memory, which every reader wants to see).
/// <see cref="VmSpecParser.Parse"/> reads the output back to an equal spec.
/// </summary>
public static class VmSpecWriter
{
    /// <summary>The spec as YAML, ending with a newline.</summary>
    public static string ToYaml(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var defaults = new VmSpec { Name = "" };
        var y = new StringBuilder();

        Field(y, 0, "name", S(spec.Name));
        if (spec.Uuid is not null) Field(y, 0, "uuid", S(spec.Uuid));
        if (spec.Description is not null) Field(y, 0, "description", S(spec.Description));
        if (spec.Image is not null) Field(y, 0, "image", S(spec.Image));
        Field(y, 0, "vcpus", I(spec.Vcpus));
        if (spec.MaxVcpus is { } maxVcpus) Field(y, 0, "max_vcpus", I(maxVcpus));
        Field(y, 0, "memory", spec.Memory > 0 ? SizeParser.FormatMiB(spec.Memory) : I(spec.Memory));
        if (spec.MaxMemory is { } maxMemory) Field(y, 0, "max_memory", maxMemory > 0 ? SizeParser.FormatMiB(maxMemory) : I(maxMemory));
        if (spec.Machine != defaults.Machine) Field(y, 0, "machine", S(spec.Machine));
        if (spec.Cpu != defaults.Cpu) Field(y, 0, "cpu", S(spec.Cpu));
        if (spec.Accel != defaults.Accel) Field(y, 0, "accel", S(spec.Accel));
        WriteBoot(y, spec.Boot);
        WriteDisks(y, spec.Disks);
        WriteNics(y, spec.Nics);
        if (spec.Serial != defaults.Serial) Field(y, 0, "serial", B(spec.Serial));
        WriteGraphics(y, spec.Graphics, defaults.Graphics);
        if (spec.Autostart) Field(y, 0, "autostart", "true");
        if (spec.OnCrash != defaults.OnCrash) Field(y, 0, "on_crash", OnCrashName(spec.OnCrash));
        return y.ToString();
    }

    private static void WriteBoot(StringBuilder y, BootSpec boot)
    {
        if (boot.Kernel is null && boot.Initrd is null && boot.Cmdline is null && boot.Order.Count == 0 && boot.Once.Count == 0
            && boot.Firmware == "bios" && !boot.SecureBoot) return;
        y.Append("boot:\n");
        if (boot.Kernel is not null) Field(y, 1, "kernel", S(boot.Kernel));
        if (boot.Initrd is not null) Field(y, 1, "initrd", S(boot.Initrd));
        if (boot.Cmdline is not null) Field(y, 1, "cmdline", S(boot.Cmdline));
        if (boot.Order.Count > 0) Field(y, 1, "order", $"[{string.Join(", ", boot.Order.Select(S))}]");
        if (boot.Once.Count > 0) Field(y, 1, "once", $"[{string.Join(", ", boot.Once.Select(S))}]");
        if (boot.Firmware != "bios") Field(y, 1, "firmware", S(boot.Firmware));
        if (boot.SecureBoot) Field(y, 1, "secure_boot", "true");
    }

    private static void WriteDisks(StringBuilder y, IReadOnlyList<DiskSpec> disks)
    {
        if (disks.Count == 0) return;
        y.Append("disks:\n");
        foreach (var d in disks)
        {
            var fields = new List<(string, string)>();
            if (d.Volume is not null) fields.Add(("volume", S(d.Volume)));
            if (d.Path is not null) fields.Add(("path", S(d.Path)));
            if (d.Format is not null) fields.Add(("format", S(d.Format)));
            if (d.Device != "disk") fields.Add(("device", S(d.Device)));
            if (d.Bus is not null) fields.Add(("bus", S(d.Bus)));
            if (d.Readonly) fields.Add(("readonly", "true"));
            if (d.Serial is not null) fields.Add(("serial", S(d.Serial)));
            if (d.Cache is not null) fields.Add(("cache", S(d.Cache)));
            if (d.Aio is not null) fields.Add(("aio", S(d.Aio)));
            if (d.Discard is not null) fields.Add(("discard", S(d.Discard)));
            ListItem(y, fields);
        }
    }

    private static void WriteNics(StringBuilder y, IReadOnlyList<NicSpec> nics)
    {
        if (nics.Count == 0) return;
        y.Append("nics:\n");
        foreach (var n in nics)
        {
            var fields = new List<(string, string)> { ("type", S(n.Type)) };
            if (n.Network is not null) fields.Add(("network", S(n.Network)));
            if (n.Bridge is not null) fields.Add(("bridge", S(n.Bridge)));
            if (!n.Link) fields.Add(("link", "false"));
            if (n.Mac is not null) fields.Add(("mac", S(n.Mac)));
            if (n.Model != "virtio") fields.Add(("model", S(n.Model)));
            ListItem(y, fields);
        }
    }

    private static void WriteGraphics(StringBuilder y, GraphicsSpec graphics, GraphicsSpec defaults)
    {
        if (graphics.Type == defaults.Type && graphics.Port == defaults.Port) return;
        y.Append("graphics:\n");
        Field(y, 1, "type", S(graphics.Type));
        if (graphics.Port is { } port) Field(y, 1, "port", I(port));
    }

    private static void ListItem(StringBuilder y, List<(string Key, string Value)> fields)
    {
        if (fields.Count == 0)
        {
            y.Append("  - {}\n");
            return;
        }
        for (var i = 0; i < fields.Count; i++)
            y.Append(i == 0 ? "  - " : "    ").Append(fields[i].Key).Append(": ").Append(fields[i].Value).Append('\n');
    }

    private static void Field(StringBuilder y, int level, string key, string value) =>
        y.Append(' ', level * 2).Append(key).Append(": ").Append(value).Append('\n');

    private static string S(string text) => YamlScalarText.Format(text);

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string B(bool value) => value ? "true" : "false";

    private static string OnCrashName(OnCrash value) => value switch
    {
        OnCrash.Restart => "restart",
        OnCrash.Preserve => "preserve",
        _ => "destroy",
    };
}

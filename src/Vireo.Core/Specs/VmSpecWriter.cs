using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>Writes a spec as readable YAML in a stable field order; <see cref="VmSpecParser"/> reads it back equal.</summary>
public static partial class VmSpecWriter
{
    public static string ToYaml(VmSpec spec)
    {
        var y = new StringBuilder();
        void Line(int indent, string key, string? value)
        {
            if (value is not null)
                y.Append(' ', indent).Append(key).Append(": ").Append(value).Append('\n');
        }

        Line(0, "name", Quote(spec.Name));
        Line(0, "uuid", Quote(spec.Uuid));
        Line(0, "description", Quote(spec.Description));
        Line(0, "image", Quote(spec.Image));
        Line(0, "vcpus", spec.Vcpus.ToString(CultureInfo.InvariantCulture));
        Line(0, "memory", SizeParser.Format(spec.Memory * SizeParser.MiB));
        Line(0, "machine", Quote(spec.Machine));
        Line(0, "cpu", Quote(spec.Cpu));
        Line(0, "accel", Quote(spec.Accel));
        var boot = spec.Boot;
        if (boot.Kernel is not null || boot.Initrd is not null || boot.Cmdline is not null || boot.Order.Count > 0)
        {
            y.Append("boot:\n");
            Line(2, "kernel", Quote(boot.Kernel));
            Line(2, "initrd", Quote(boot.Initrd));
            Line(2, "cmdline", Quote(boot.Cmdline));
            if (boot.Order.Count > 0)
                Line(2, "order", "[" + string.Join(", ", boot.Order.Select(o => Quote(o))) + "]");
        }
        if (spec.Disks.Count > 0)
        {
            y.Append("disks:\n");
            foreach (var disk in spec.Disks)
            {
                var first = true;
                void Item(string key, string? value)
                {
                    if (value is null)
                        return;
                    y.Append(first ? "  - " : "    ").Append(key).Append(": ").Append(value).Append('\n');
                    first = false;
                }
                Item("path", Quote(disk.Path));
                Item("format", Quote(disk.Format));
                Item("device", Quote(disk.Device));
                Item("bus", Quote(disk.Bus));
                Item("readonly", disk.Readonly ? "true" : null);
                Item("serial", Quote(disk.Serial));
            }
        }
        if (spec.Nics.Count > 0)
        {
            y.Append("nics:\n");
            foreach (var nic in spec.Nics)
            {
                y.Append("  - type: ").Append(Quote(nic.Type)).Append('\n');
                Line(4, "bridge", Quote(nic.Bridge));
                Line(4, "mac", Quote(nic.Mac));
                Line(4, "model", Quote(nic.Model));
            }
        }
        else
        {
            y.Append("nics: []\n");
        }
        Line(0, "serial", spec.Serial ? "true" : "false");
        y.Append("graphics:\n");
        Line(2, "type", Quote(spec.Graphics.Type));
        Line(2, "port", spec.Graphics.Port?.ToString(CultureInfo.InvariantCulture));
        Line(0, "autostart", spec.Autostart ? "true" : "false");
        Line(0, "on_crash", spec.OnCrash.ToString().ToLowerInvariant());
        return y.ToString();
    }

    /// <summary>Plain when YAML reads it back as the same string; double-quoted (JSON escapes) otherwise.</summary>
    internal static string? Quote(string? value)
    {
        if (value is null)
            return null;
        if (Plain().IsMatch(value) && !LooksTyped().IsMatch(value) && !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal))
            return value;
        return System.Text.Json.JsonSerializer.Serialize(value, SpecJsonContext.Default.String);
    }

    [GeneratedRegex(@"^[A-Za-z0-9/_.][A-Za-z0-9/_.=,+ -]*[A-Za-z0-9/_.=,+-]$|^[A-Za-z0-9/_.]$")]
    private static partial Regex Plain();

    // Scalars YAML would read as a number, boolean or null.
    [GeneratedRegex(@"^([-+]?[0-9._]+([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|true|false|True|False|TRUE|FALSE|yes|no|on|off|null|Null|NULL|~|\.inf|\.nan)$")]
    private static partial Regex LooksTyped();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class SpecJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

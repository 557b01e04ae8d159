using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// What differs between two definitions of one VM, field by field, in the spec's own terms (<c>memory</c>,
/// <c>disks[1].cache</c>), with values written as the YAML writes them (<c>512MiB</c>). Pure.
/// </summary>
public static class SpecDiff
{
    /// <summary>Sizes in MiB are shown with their unit, as in the YAML.</summary>
    private static readonly HashSet<string> SizeFields = ["memory", "max_memory"];

    /// <summary>The fields of <paramref name="after"/> that differ from <paramref name="before"/>, in spec order.</summary>
    public static IReadOnlyList<SpecChange> Compare(VmSpec before, VmSpec after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = Flatten(before);
        var b = Flatten(after);
        var changes = new List<SpecChange>();
        foreach (var key in a.Keys.Concat(b.Keys.Where(k => !a.ContainsKey(k))))
        {
            a.TryGetValue(key, out var from);
            b.TryGetValue(key, out var to);
            if (from != to)
                changes.Add(new SpecChange { Field = key, From = from, To = to });
        }
        return changes;
    }

    /// <summary>True when the two definitions are the same in every field.</summary>
    public static bool Same(VmSpec a, VmSpec b) => Compare(a, b).Count == 0;

    /// <summary>The value of one flattened field of <paramref name="spec"/> (null when it is not set).</summary>
    public static string? ValueOf(VmSpec spec, string field) => Flatten(spec).GetValueOrDefault(field);

    /// <summary>
    /// Flattens a spec to field paths and display values: scalars under their path, list items under
    /// <c>list[i].field</c>; null and empty values are left out, so "not set" and "removed" read the same.
    /// </summary>
    private static Dictionary<string, string> Flatten(VmSpec spec)
    {
        var node = JsonSerializer.SerializeToNode(spec, VireoJsonContext.Default.VmSpec);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(node, "", result);
        return result;
    }

    private static void Walk(JsonNode? node, string path, Dictionary<string, string> result)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    Walk(value, SpecFields.Join(path, key), result);
                return;
            case JsonArray array:
                if (array.Count == 0) return;
                // A list of scalars (boot.order) is one value; a list of mappings (disks, nics) is one entry per field.
                if (array.All(item => item is JsonValue))
                {
                    result[path] = "[" + string.Join(", ", array.Select(item => Scalar(item!))) + "]";
                    return;
                }
                for (var i = 0; i < array.Count; i++)
                    Walk(array[i], SpecFields.Index(path, i), result);
                return;
            case JsonValue value:
                var text = Scalar(value);
                if (SizeFields.Contains(path) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) && mib > 0)
                    text = SizeParser.FormatMiB(mib);
                result[path] = text;
                return;
        }
    }

    private static string Scalar(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => node.ToJsonString(),
    };
}

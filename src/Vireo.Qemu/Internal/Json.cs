using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Internal;

internal static class Json
{
    /// <summary>
    /// Compact JSON in insertion order. Only '"', '\' and control characters are escaped: argv is UTF-8 and
    /// QEMU's JSON parser reads non-ASCII as is, so paths stay readable (no HTML-safe "\u002B" escapes).
    /// </summary>
    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject Device(string driver, string id) => new() { ["driver"] = driver, ["id"] = id };

    public static string Serialize(JsonNode node) => node.ToJsonString(Compact);

    public static JsonObject PutIfNotNull(this JsonObject o, string key, string? value)
    {
        if (value is not null) o[key] = value;
        return o;
    }

    public static JsonObject PutIfNotNull(this JsonObject o, string key, int? value)
    {
        if (value is not null) o[key] = value.Value;
        return o;
    }
}

using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Qmp.Json;

/// <summary>
/// Maps QEMU's kebab-case enum strings to a C# enum through an explicit table (no reflection, so AOT-safe).
/// A value the table does not know (a newer QEMU) reads as <paramref name="unknown"/> instead of failing the reply.
/// </summary>
internal abstract class QmpEnumConverter<TEnum>(TEnum unknown, params (string Wire, TEnum Value)[] table)
    : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private readonly FrozenDictionary<string, TEnum> _byWire = table.ToFrozenDictionary(t => t.Wire, t => t.Value, StringComparer.Ordinal);
    private readonly FrozenDictionary<TEnum, string> _byValue = table.ToFrozenDictionary(t => t.Value, t => t.Wire);

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for {typeof(TEnum).Name}, got {reader.TokenType}");
        }

        return _byWire.TryGetValue(reader.GetString()!, out var value) ? value : unknown;
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        if (!_byValue.TryGetValue(value, out var wire))
        {
            throw new JsonException($"{typeof(TEnum).Name}.{value} has no QMP spelling");
        }

        writer.WriteStringValue(wire);
    }
}

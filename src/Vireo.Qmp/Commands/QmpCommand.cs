using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Vireo.Qmp;

/// <summary>
/// A QMP command with a typed result. Each command is a small record that names its wire name once (passed to this
/// constructor), builds its <c>arguments</c> object, and parses its <c>return</c> value. Other assemblies may derive
/// their own commands; use a source-generated <see cref="JsonTypeInfo{T}"/> with the helpers below to stay AOT-safe.
/// </summary>
/// <typeparam name="TResult">The type <see cref="ParseResult"/> produces.</typeparam>
public abstract record QmpCommand<TResult>
{
    /// <summary>Creates a command with its QMP wire name.</summary>
    /// <param name="name">The name QEMU knows the command by, e.g. <c>query-status</c>.</param>
    protected QmpCommand(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The QMP wire name, sent as <c>"execute"</c>.</summary>
    [JsonIgnore]
    public string Name { get; }

    /// <summary>The <c>"arguments"</c> object to send, or <c>null</c> when the command takes none.</summary>
    public virtual JsonObject? BuildArguments() => null;

    /// <summary>Turns QEMU's <c>"return"</c> value into the typed result.</summary>
    /// <param name="result">The <c>"return"</c> member of QEMU's reply.</param>
    /// <exception cref="JsonException">The value does not have the documented shape.</exception>
    public abstract TResult ParseResult(JsonElement result);

    /// <summary>Serialises a record into an arguments object with source-generated metadata.</summary>
    /// <param name="arguments">The value whose properties become the arguments.</param>
    /// <param name="typeInfo">Source-generated metadata for <typeparamref name="T"/>.</param>
    /// <typeparam name="T">The arguments type.</typeparam>
    protected static JsonObject SerializeArguments<T>(T arguments, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.SerializeToNode(arguments, typeInfo) as JsonObject
        ?? throw new JsonException($"{typeof(T).Name} does not serialise to a JSON object");

    /// <summary>Deserialises a <c>"return"</c> value with source-generated metadata; <c>null</c> is an error.</summary>
    /// <param name="result">The <c>"return"</c> value.</param>
    /// <param name="typeInfo">Source-generated metadata for <typeparamref name="T"/>.</param>
    /// <typeparam name="T">The result type.</typeparam>
    protected static T DeserializeResult<T>(JsonElement result, JsonTypeInfo<T> typeInfo) =>
        result.Deserialize(typeInfo) ?? throw new JsonException($"QEMU returned null where {typeof(T).Name} was expected");
}

/// <summary>The empty object <c>{}</c> that QEMU returns from commands that have no result.</summary>
public readonly record struct QmpEmpty;

/// <summary>A command whose reply carries no data (<c>{"return": {}}</c>).</summary>
public abstract record QmpEmptyCommand : QmpCommand<QmpEmpty>
{
    /// <summary>Creates a command with its QMP wire name.</summary>
    /// <param name="name">The name QEMU knows the command by.</param>
    protected QmpEmptyCommand(string name) : base(name)
    {
    }

    /// <summary>Ignores the reply's content: success is the absence of an error.</summary>
    /// <param name="result">QEMU's <c>"return"</c> value (normally <c>{}</c>).</param>
    public override QmpEmpty ParseResult(JsonElement result) => default;
}

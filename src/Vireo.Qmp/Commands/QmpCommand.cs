using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>
/// A QMP command with a typed result. Instances come from <see cref="QmpCommands"/>, where each command's wire
/// name is written exactly once.
/// </summary>
/// <typeparam name="TResult">What the command returns.</typeparam>
public sealed class QmpCommand<TResult>
{
    private readonly Func<JsonElement, TResult> _parse;

    internal QmpCommand(string name, JsonObject? arguments, Func<JsonElement, TResult> parse)
    {
        Name = name;
        Arguments = arguments;
        _parse = parse;
    }

    /// <summary>The wire name, e.g. <c>query-status</c>.</summary>
    public string Name { get; }

    /// <summary>The <c>arguments</c> member, or null when the command takes none.</summary>
    public JsonObject? Arguments { get; }

    /// <summary>Turns the <c>return</c> member into the typed result.</summary>
    public TResult ParseResult(JsonElement result) => _parse(result);

    /// <inheritdoc />
    public override string ToString() => Arguments is null ? Name : $"{Name} {Arguments.ToJsonString()}";
}

/// <summary>The result of commands that return an empty object.</summary>
public readonly record struct QmpEmpty;

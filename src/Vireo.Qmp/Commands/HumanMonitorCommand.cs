using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>
/// <c>human-monitor-command</c>: runs an HMP command and returns its text output (which QEMU ends with
/// <c>\r\n</c>). HMP output is not a stable interface: use it for diagnostics, not for parsing.
/// </summary>
/// <param name="CommandLine">The HMP command line, e.g. <c>info version</c>.</param>
public sealed record HumanMonitorCommand(string CommandLine) : QmpCommand<string>("human-monitor-command")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.HumanMonitorCommand);

    /// <inheritdoc />
    public override string ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.String);
}

using System.Text.Json.Serialization;
using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary><c>vireo version -o json</c>: the client's version beside the daemon's <see cref="HostInfo"/>.</summary>
internal sealed record VersionReport
{
    public required string ClientVersion { get; init; }
    /// <summary>The daemon's HostInfo; absent when it could not be reached.</summary>
    public HostInfo? Daemon { get; init; }
    /// <summary>Why the daemon's facts are missing.</summary>
    public ApiError? DaemonError { get; init; }
}

/// <summary><c>vireo exec -o json</c>: the guest command's outcome, its output as text (invalid UTF-8 replaced).</summary>
internal sealed record ExecReport
{
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public required string Stdout { get; init; }
    public required string Stderr { get; init; }
    public bool Truncated { get; init; }
    public bool TimedOut { get; init; }
    public bool? Killed { get; init; }
    public string? Error { get; init; }
}

/// <summary>Source-generated JSON for the CLI's own documents, with the API's wire conventions.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(VersionReport))]
[JsonSerializable(typeof(ExecReport))]
[JsonSerializable(typeof(Vireo.Cli.Remotes.RemotesConfig))]
[JsonSerializable(typeof(Vireo.Cli.Commands.RemoteView))]
[JsonSerializable(typeof(List<Vireo.Cli.Commands.RemoteView>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

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

/// <summary>Source-generated JSON for the CLI's own documents, with the API's wire conventions.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(VersionReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>Where a long operation is.</summary>
public enum OperationStatus
{
    /// <summary>Still working.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>Finished; <see cref="OperationInfo.Result"/> holds what it made.</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    /// <summary>Failed; <see cref="OperationInfo.Error"/> says why. Nothing partial was left behind.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Cancelled on request; nothing partial was left behind.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    /// <summary>Interrupted by the end of vireod (a crash, kill -9); the next vireod undid what it had done.</summary>
    [JsonStringEnumMemberName("rolled-back")] RolledBack,
    /// <summary>Interrupted by the end of vireod (a crash, kill -9); the next vireod found it done or finished it.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
}

/// <summary>
/// A long operation (volume import, convert, clone...). Requests that start one answer <c>202 Accepted</c> with it;
/// <c>GET /v1/operations/{id}</c> follows it and <c>DELETE /v1/operations/{id}</c> cancels it. Finished operations
/// are kept for about ten minutes.
/// </summary>
public sealed record OperationInfo
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }
    /// <summary>What it does, e.g. <c>volume-convert</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>What it works on, e.g. the new volume <c>default/web1.raw</c>.</summary>
    public required string Target { get; init; }
    /// <summary>Status.</summary>
    public OperationStatus Status { get; init; }
    /// <summary>Fraction done, 0 to 1.</summary>
    public double Progress { get; init; }
    /// <summary>Why it failed.</summary>
    public ApiError? Error { get; init; }
    /// <summary>What it made (for volume operations: the new VolumeInfo).</summary>
    public JsonNode? Result { get; init; }
    /// <summary>True once cancellation was asked for.</summary>
    public bool CancelRequested { get; init; }
    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }
}

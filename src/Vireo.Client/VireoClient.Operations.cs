using System.Net;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>How long one <c>GET /v1/operations/{id}</c> waits for the end: also how often progress is refreshed.</summary>
    private const int PollWaitMs = 250;

    /// <summary><c>GET /v1/operations</c>: running operations and those that ended in the last ten minutes.</summary>
    public async Task<IReadOnlyList<OperationInfo>> ListOperationsAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/operations", VireoJsonContext.Default.ListOperationInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/operations/{id}</c>; with <paramref name="waitMs"/>, answers as soon as it ends or after that long.</summary>
    public Task<OperationInfo> GetOperationAsync(string id, int waitMs = 0, CancellationToken ct = default) =>
        GetJsonAsync(OperationPath(id) + (waitMs > 0 ? $"?wait_ms={waitMs}" : ""), VireoJsonContext.Default.OperationInfo, ct);

    /// <summary><c>DELETE /v1/operations/{id}</c>: asks for cancellation and returns at once.</summary>
    public Task<OperationInfo> CancelOperationAsync(string id, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, OperationPath(id), null, VireoJsonContext.Default.OperationInfo, ct);

    /// <summary>
    /// Follows <paramref name="operation"/> to its end, reporting its progress (0 to 1). Returns it when it succeeded;
    /// throws <see cref="VireoApiException"/> with its error when it failed. When <paramref name="ct"/> is cancelled,
    /// the operation is cancelled on vireod, and this waits (up to 30 s) until it has cleaned up before throwing
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<OperationInfo> WaitForOperationAsync(OperationInfo operation, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        OperationInfo current;
        try
        {
            current = await FollowOperationAsync(operation, progress, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await CancelAndWaitAsync(operation.Id).ConfigureAwait(false);
            throw;
        }
        return current.Status switch
        {
            OperationStatus.Succeeded => current,
            OperationStatus.Cancelled => throw new OperationCanceledException($"operation {current.Id} ({current.Kind} {current.Target}) was cancelled"),
            _ => throw new VireoApiException((HttpStatusCode)(current.Error?.Status is > 0 and var s ? s : 500), current.Error ?? new ApiError
            {
                Code = ErrorCodes.Internal,
                Title = "operation failed",
                Detail = $"operation {current.Id} ({current.Kind} {current.Target}) failed without an error",
            }),
        };
    }

    /// <summary>
    /// Long-polls <paramref name="operation"/> until it has ended, reporting its progress, and returns its last state
    /// whatever the outcome. Cancelling <paramref name="ct"/> only stops following (the operation keeps running).
    /// </summary>
    public async Task<OperationInfo> FollowOperationAsync(OperationInfo operation, IProgress<double>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var current = operation;
        progress?.Report(current.Progress);
        while (current.Status == OperationStatus.Running)
        {
            current = await GetOperationAsync(current.Id, PollWaitMs, ct).ConfigureAwait(false);
            progress?.Report(current.Progress);
        }
        return current;
    }

    /// <summary>The volume a finished volume operation made.</summary>
    public static VolumeInfo? VolumeResult(OperationInfo operation) =>
        operation?.Result?.Deserialize(VireoJsonContext.Default.VolumeInfo);

    /// <summary>
    /// <c>DELETE /v1/operations/{id}</c>, then follows the operation until it has ended (and so cleaned up) or
    /// <paramref name="limit"/> has passed; returns its last state, still running when it outlasted the limit.
    /// </summary>
    public async Task<OperationInfo> CancelOperationAndWaitAsync(string id, TimeSpan limit, CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        var state = await CancelOperationAsync(id, deadline.Token).ConfigureAwait(false);
        try
        {
            while (state.Status == OperationStatus.Running)
                state = await GetOperationAsync(id, 1000, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return state;
    }

    private async Task CancelAndWaitAsync(string id)
    {
        try
        {
            await CancelOperationAndWaitAsync(id, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is VireoApiException or VireoConnectionException or OperationCanceledException)
        {
            // Best effort: the caller is already giving up; vireod cancels and cleans up on its own side.
        }
    }

    private static string OperationPath(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return "v1/operations/" + Uri.EscapeDataString(id);
    }
}

using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    private const string NdJson = "application/x-ndjson";

    /// <summary>
    /// <c>POST /v1/vms/{name}/backups</c>: backs up a VM and returns the new backup when it is complete.
    /// <paramref name="progress"/> receives fractions 0..1 while it runs; cancelling <paramref name="ct"/> closes
    /// the request, which cancels the backup in vireod (it then leaves nothing behind).
    /// </summary>
    public Task<BackupInfo> BackupAsync(string name, BackupRequest request, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunOperationAsync(VmPath(name) + "/backups", Json(request, VireoJsonContext.Default.BackupRequest),
            VireoJsonContext.Default.BackupInfo, VireoJsonContext.Default.OperationLineBackupInfo, progress, ct);
    }

    /// <summary>
    /// <c>POST /v1/vms/{name}/backups?async=true</c>: starts a backup as an operation (bad input still fails here);
    /// follow it with <see cref="WaitForOperationAsync"/> and read the new backup with <see cref="BackupResult"/>.
    /// </summary>
    public Task<OperationInfo> StartBackupAsync(string name, BackupRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendJsonAsync(HttpMethod.Post, VmPath(name) + "/backups?async=true", Json(request, VireoJsonContext.Default.BackupRequest),
            VireoJsonContext.Default.OperationInfo, ct);
    }

    /// <summary><c>POST /v1/backups/restore?async=true</c>: starts a restore as an operation; see <see cref="RestoreResultOf"/>.</summary>
    public Task<OperationInfo> StartRestoreAsync(RestoreRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendJsonAsync(HttpMethod.Post, "v1/backups/restore?async=true", Json(request, VireoJsonContext.Default.RestoreRequest),
            VireoJsonContext.Default.OperationInfo, ct);
    }

    /// <summary>The backup a succeeded <c>vm-backup</c> operation made.</summary>
    public static BackupInfo? BackupResult(OperationInfo operation) =>
        operation?.Result?.Deserialize(VireoJsonContext.Default.BackupInfo);

    /// <summary>What a succeeded <c>backup-restore</c> operation restored.</summary>
    public static RestoreResult? RestoreResultOf(OperationInfo operation) =>
        operation?.Result?.Deserialize(VireoJsonContext.Default.RestoreResult);

    /// <summary><c>GET /v1/backups?dir=DIR[&amp;vm=VM]</c>: the complete backups in a backup directory.</summary>
    public async Task<IReadOnlyList<BackupInfo>> ListBackupsAsync(string dir, string? vm = null, CancellationToken ct = default) =>
        await GetJsonAsync("v1/backups?dir=" + Uri.EscapeDataString(dir) + (vm is null ? "" : "&vm=" + Uri.EscapeDataString(vm)),
            VireoJsonContext.Default.ListBackupInfo, ct).ConfigureAwait(false);

    /// <summary><c>POST /v1/backups/restore</c>: restores a backup into a stopped VM or into a new image file, verified.</summary>
    public Task<RestoreResult> RestoreAsync(RestoreRequest request, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunOperationAsync("v1/backups/restore", Json(request, VireoJsonContext.Default.RestoreRequest),
            VireoJsonContext.Default.RestoreResult, VireoJsonContext.Default.OperationLineRestoreResult, progress, ct);
    }

    /// <summary>Sends a long operation asking for NDJSON progress lines; also accepts a plain JSON answer.</summary>
    private async Task<T> RunOperationAsync<T>(string path, HttpContent body, JsonTypeInfo<T> type, JsonTypeInfo<OperationLine<T>> lineType,
        IProgress<double>? progress, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(NdJson));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SendAsync(request, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType != NdJson)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return Deserialize(text, type, path);
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
                continue;
            var item = Deserialize(line, lineType, path);
            if (item.Error is { } error)
                throw new VireoApiException((System.Net.HttpStatusCode)error.Status, error);
            if (item.Result is { } result)
                return result;
            if (item.Progress is { } fraction)
                progress?.Report(fraction);
        }
        throw new VireoApiException(response.StatusCode, new ApiError
        {
            Status = (int)response.StatusCode,
            Code = ErrorCodes.Internal,
            Title = "Unexpected response from vireod",
            Detail = $"vireod's answer to POST /{path} ended before the result (did vireod stop?)",
        });
    }

    private static T Deserialize<T>(string text, JsonTypeInfo<T> type, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(text, type) ?? throw new JsonException("the body was JSON null");
        }
        catch (JsonException ex)
        {
            throw new VireoApiException(System.Net.HttpStatusCode.OK, new ApiError
            {
                Status = 200,
                Code = ErrorCodes.Internal,
                Title = "Unexpected response from vireod",
                Detail = $"vireod's answer to /{path} is not a {typeof(T).Name}: {ex.Message} (are vireo and vireod the same version?)",
            });
        }
    }
}

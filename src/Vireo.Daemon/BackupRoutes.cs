using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.AspNetCore.Mvc;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// Backups and restores (see docs/api.md). Both are long. With <c>?async=true</c> they run as operations (202 with
/// the operation, followed and cancelled under /v1/operations, as volume copies are); otherwise the call answers
/// when they are done (closing the connection cancels them), and a client that sends
/// <c>Accept: application/x-ndjson</c> gets progress lines meanwhile, then the result or the error as the last line.
/// </summary>
internal static class BackupRoutes
{
    public const string NdJson = "application/x-ndjson";

    public static void MapBackupApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapPost("/vms/{name}/backups", async (HttpContext context, string name, [FromQuery(Name = "async")] bool? async) =>
        {
            var request = await JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.BackupRequest, context.RequestAborted);
            Func<IProgress<double>, CancellationToken, Task<BackupInfo>> work = (progress, ct) => engine.BackupAsync(name, request, progress, ct);
            return async == true
                ? await StartAsync(engine, "vm-backup", name, work, VireoJsonContext.Default.BackupInfo)
                : await RunAsync(context, work, VireoJsonContext.Default.BackupInfo, VireoJsonContext.Default.OperationLineBackupInfo, StatusCodes.Status201Created);
        });
        v1.MapGet("/backups", (string? dir, string? vm) => engine.ListBackups(dir ?? "", vm));
        v1.MapPost("/backups/restore", async (HttpContext context, [FromQuery(Name = "async")] bool? async) =>
        {
            var request = await JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.RestoreRequest, context.RequestAborted);
            Func<IProgress<double>, CancellationToken, Task<RestoreResult>> work = (progress, ct) => engine.RestoreAsync(request, progress, ct);
            return async == true
                ? await StartAsync(engine, "backup-restore", request.Vm ?? request.To ?? request.Backup, work, VireoJsonContext.Default.RestoreResult)
                : await RunAsync(context, work, VireoJsonContext.Default.RestoreResult, VireoJsonContext.Default.OperationLineRestoreResult, StatusCodes.Status200OK);
        });
    }

    /// <summary>
    /// Starts <paramref name="work"/> as an operation and answers 202 with it once the work has reported its first
    /// progress (or ended). Until then the work is still checking its input: a refusal in that time is this
    /// request's own error (400, 404, 409...), exactly as without <c>async</c>, and leaves no operation behind.
    /// </summary>
    private static async Task<IResult> StartAsync<T>(VmEngine engine, string kind, string target,
        Func<IProgress<double>, CancellationToken, Task<T>> work, JsonTypeInfo<T> type)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Exception? refused = null;
        var operation = engine.Operations.Start(kind, target, async (progress, ct) =>
        {
            T result;
            try
            {
                result = await work(new FirstReport(progress, started), ct);
            }
            catch (Exception e) when (!started.Task.IsCompleted)
            {
                refused = e;
                throw;
            }
            return JsonSerializer.SerializeToNode(result, type);
        });
        await Task.WhenAny(started.Task, engine.Operations.Completion(operation.Id));
        if (!started.Task.IsCompleted && refused is not null)
        {
            engine.Operations.Forget(operation.Id);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
        }
        return Results.Json(engine.Operations.Get(operation.Id), VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Passes progress on and notes that the work has begun.</summary>
    private sealed class FirstReport(IProgress<double> inner, TaskCompletionSource started) : IProgress<double>
    {
        public void Report(double value)
        {
            started.TrySetResult();
            inner.Report(value);
        }
    }

    private static async Task<IResult> RunAsync<T>(HttpContext context, Func<IProgress<double>, CancellationToken, Task<T>> work,
        JsonTypeInfo<T> type, JsonTypeInfo<OperationLine<T>> lineType, int status)
    {
        var ct = context.RequestAborted;
        if (!context.Request.Headers.Accept.Any(a => a?.Contains(NdJson, StringComparison.OrdinalIgnoreCase) == true))
            return Results.Json(await work(new Progress<double>(), ct), type, statusCode: status);

        var reports = Channel.CreateUnbounded<double>(new UnboundedChannelOptions { SingleReader = true });
        var task = work(new ChannelProgress(reports.Writer), ct);
        _ = task.ContinueWith(_ => reports.Writer.TryComplete(), TaskScheduler.Default);
        // Until the first progress report, errors (bad input, refusals) still get their own HTTP status.
        if (!await reports.Reader.WaitToReadAsync(CancellationToken.None))
            return Results.Json(await task, type, statusCode: status);

        context.Response.StatusCode = status;
        context.Response.ContentType = NdJson;
        var last = -1.0;
        try
        {
            await foreach (var fraction in reports.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (fraction - last < 0.005 && fraction < 1)
                    continue;
                last = fraction;
                await WriteLineAsync(context, new OperationLine<T> { Progress = Math.Round(fraction, 4) }, lineType, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client went away: the work sees the same token and stops; wait for it to clean up.
        }
        OperationLine<T> final;
        try
        {
            final = new OperationLine<T> { Result = await task };
        }
        catch (Exception e)
        {
            final = new OperationLine<T> { Error = ErrorMapping.ToApiError(e) };
        }
        if (!ct.IsCancellationRequested)
            await WriteLineAsync(context, final, lineType, CancellationToken.None);
        return Results.Empty;
    }

    private static async Task WriteLineAsync<T>(HttpContext context, OperationLine<T> line, JsonTypeInfo<OperationLine<T>> lineType, CancellationToken ct)
    {
        // One JSON document per line: the wire options indent, so serialise compactly here.
        var options = new JsonSerializerOptions(lineType.Options) { WriteIndented = false };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(line, (JsonTypeInfo<OperationLine<T>>)options.GetTypeInfo(typeof(OperationLine<T>)));
        await context.Response.Body.WriteAsync(bytes, ct);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private sealed class ChannelProgress(ChannelWriter<double> writer) : IProgress<double>
    {
        public void Report(double value) => writer.TryWrite(value);
    }

}

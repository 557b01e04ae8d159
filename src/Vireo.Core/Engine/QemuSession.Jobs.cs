using Vireo.Core.Errors;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class QemuSession
{
    private static readonly TimeSpan JobPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs any typed QMP command on this VM's monitor (features with their own commands use this).</summary>
    public Task<T> ExecuteAsync<T>(QmpCommand<T> command, CancellationToken ct) => _qmp.ExecuteAsync(command, ct);

    /// <summary>Runs a typed QMP command with a timeout other than the default (e.g. a slow transaction).</summary>
    public Task<T> ExecuteAsync<T>(QmpCommand<T> command, TimeSpan timeout, CancellationToken ct) => _qmp.ExecuteAsync(command, timeout, ct);

    /// <summary>
    /// Runs one QEMU job to its end: <paramref name="start"/> issues the command that creates the job with the id
    /// <paramref name="jobId"/> (and <c>auto-dismiss: false</c>, so that its outcome can still be read when it
    /// concludes); then query-jobs is polled, progress reported, and the concluded job dismissed.
    /// Cancelling <paramref name="ct"/> sends job-cancel and waits for the job to end before throwing
    /// <see cref="OperationCanceledException"/>, so that nothing still writes when the caller cleans up.
    /// </summary>
    /// <exception cref="QemuFailedException">The job failed; the message carries QEMU's error.</exception>
    public async Task RunJobAsync(string jobId, Func<CancellationToken, Task> start, IProgress<double>? progress, CancellationToken ct)
    {
        await start(ct);
        var cancelled = false;
        while (true)
        {
            if (ct.IsCancellationRequested && !cancelled)
            {
                cancelled = true;
                try
                {
                    await _qmp.ExecuteAsync(QmpCommands.JobCancel(jobId), CancellationToken.None);
                }
                catch (QmpCommandException)
                {
                    // Already concluding: the poll below sees it.
                }
            }
            var job = (await _qmp.ExecuteAsync(QmpCommands.QueryJobs(), CancellationToken.None)).FirstOrDefault(j => j.Id == jobId);
            if (job is null)
                throw new QemuFailedException($"QEMU job {jobId} vanished before it concluded (started with auto-dismiss?)");
            if (job.Status == JobStatus.Concluded)
            {
                await _qmp.ExecuteAsync(QmpCommands.JobDismiss(jobId), CancellationToken.None);
                if (cancelled)
                    throw new OperationCanceledException($"QEMU job {jobId} was cancelled", ct);
                if (job.Error is { } error)
                    throw new QemuFailedException($"QEMU job {job.Type} failed: {error}");
                progress?.Report(1);
                return;
            }
            progress?.Report(job.Fraction);
            await Task.Delay(JobPollInterval, CancellationToken.None);
        }
    }
}

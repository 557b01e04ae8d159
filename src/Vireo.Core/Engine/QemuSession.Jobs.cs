using Vireo.Core.Errors;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class QemuSession
{
    /// <summary>How often a running job's progress is read when QEMU announces no change of its state.</summary>
    private static readonly TimeSpan JobPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs any typed QMP command on this VM's monitor (features with their own commands use this).</summary>
    public Task<T> ExecuteAsync<T>(QmpCommand<T> command, CancellationToken ct) => _qmp.ExecuteAsync(command, ct);

    /// <summary>Runs a typed QMP command with a timeout other than the default (e.g. a slow transaction).</summary>
    public Task<T> ExecuteAsync<T>(QmpCommand<T> command, TimeSpan timeout, CancellationToken ct) => _qmp.ExecuteAsync(command, timeout, ct);

    /// <summary>
    /// Runs one QEMU job to its end: <paramref name="start"/> issues the command that creates the job with the id
    /// <paramref name="jobId"/> (and <c>auto-dismiss: false</c>, so that its outcome can still be read when it
    /// concludes); then query-jobs is read at each JOB_STATUS_CHANGE and every <see cref="JobPollInterval"/>,
    /// progress reported, and the concluded job dismissed.
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
            var changed = _qmp.NextJobChange();
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
            await WaitForJobChangeAsync(changed, ct);
        }
    }

    /// <summary>
    /// Waits for <paramref name="changed"/> (the job-change pulse taken before the last query-jobs) or the poll
    /// interval, whichever is first. The caller's cancellation also ends the wait, so that job-cancel goes out at
    /// once; once it has (the token is cancelled), the wait is for the job's end as usual.
    /// </summary>
    private static async Task WaitForJobChangeAsync(Task changed, CancellationToken ct)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct.IsCancellationRequested ? CancellationToken.None : ct);
        var delay = Task.Delay(JobPollInterval, poll.Token);
        await Task.WhenAny(changed, delay).ConfigureAwait(false);
        poll.Cancel();
    }
}

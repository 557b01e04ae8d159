using Vireo.Core.Errors;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class QemuSession
{
    /// <summary>
    /// Runs several QEMU jobs that one command starts together (a transaction) to their end: reads query-jobs at
    /// each JOB_STATUS_CHANGE (and every poll interval), reports the combined progress (bytes done over bytes to
    /// do), and dismisses them. When one fails or
    /// <paramref name="ct"/> is cancelled, the others are cancelled too and every job is waited for, so that
    /// nothing still writes when the caller cleans up. Returns each job's last report.
    /// </summary>
    /// <exception cref="QemuFailedException">A job failed; the message carries QEMU's error.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<IReadOnlyDictionary<string, JobInfo>> RunJobsAsync(IReadOnlyList<string> jobIds, Func<CancellationToken, Task> start,
        IProgress<double>? progress, CancellationToken ct)
    {
        await start(ct);
        var last = new Dictionary<string, JobInfo>(StringComparer.Ordinal);
        var cancelling = false;
        var cancelledByCaller = false;
        string? failure = null;
        while (true)
        {
            var changed = _qmp.NextJobChange();
            var jobs = (await _qmp.ExecuteAsync(QmpCommands.QueryJobs(), CancellationToken.None)).Where(j => jobIds.Contains(j.Id)).ToList();
            foreach (var job in jobs)
                last[job.Id] = job;
            var vanished = jobIds.FirstOrDefault(id => jobs.All(j => j.Id != id));
            if (vanished is not null)
                failure ??= $"QEMU job {vanished} vanished before it concluded (started with auto-dismiss?)";
            failure ??= jobs.FirstOrDefault(j => j.Status == JobStatus.Concluded && j.Error is not null) is { } failed
                ? $"QEMU job {failed.Id} ({failed.Type}) failed: {failed.Error}"
                : null;
            if ((failure is not null || ct.IsCancellationRequested) && !cancelling)
            {
                cancelling = true;
                cancelledByCaller = failure is null;
                foreach (var job in jobs.Where(j => j.Status != JobStatus.Concluded))
                {
                    try
                    {
                        await _qmp.ExecuteAsync(QmpCommands.JobCancel(job.Id), CancellationToken.None);
                    }
                    catch (QmpCommandException)
                    {
                        // Already concluding: the next poll sees it.
                    }
                }
            }
            if (jobs.All(j => j.Status == JobStatus.Concluded))
            {
                foreach (var job in jobs)
                    await _qmp.ExecuteAsync(QmpCommands.JobDismiss(job.Id), CancellationToken.None);
                // Jobs we cancelled conclude with an error too: the caller's cancellation comes first.
                if (cancelledByCaller)
                    throw new OperationCanceledException("the QEMU jobs were cancelled", ct);
                if (failure is not null)
                    throw new QemuFailedException(failure);
                progress?.Report(1);
                return last;
            }
            long done = jobs.Sum(j => j.CurrentProgress), total = jobs.Sum(j => j.TotalProgress);
            progress?.Report(total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0);
            await WaitForJobChangeAsync(changed, ct);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>A job as <c>query-jobs</c> reports it (QAPI <c>JobInfo</c>).</summary>
/// <param name="Id">The job id given when it was started.</param>
/// <param name="Type">Job type: <c>backup</c>, <c>snapshot-save</c>, <c>snapshot-load</c>, <c>mirror</c>, ...</param>
/// <param name="Status">Where the job is in its life cycle.</param>
/// <param name="CurrentProgress">Progress made so far, in units of <paramref name="TotalProgress"/>.</param>
/// <param name="TotalProgress">Estimated total; may grow while the job runs.</param>
/// <param name="Error">Why the job failed; present only on a concluded job that failed.</param>
public sealed record JobInfo(string Id, string Type, JobStatus Status, long CurrentProgress, long TotalProgress, string? Error = null)
{
    /// <summary>Progress as a fraction 0..1 (0 while the total is unknown).</summary>
    public double Fraction => TotalProgress > 0 ? Math.Clamp((double)CurrentProgress / TotalProgress, 0, 1) : 0;
}

/// <summary><c>query-jobs</c>: every job QEMU knows, including concluded ones not yet dismissed.</summary>
public sealed record QueryJobsCommand() : QmpCommand<IReadOnlyList<JobInfo>>("query-jobs")
{
    /// <inheritdoc />
    public override IReadOnlyList<JobInfo> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListJobInfo);
}

/// <summary><c>job-dismiss</c>: removes a concluded job (started with auto-dismiss off) from <c>query-jobs</c>.</summary>
/// <param name="Id">The job id.</param>
public sealed record JobDismissCommand(string Id) : QmpEmptyCommand("job-dismiss")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["id"] = Id };
}

/// <summary><c>job-cancel</c>: asks a job to stop; it concludes (with an error) shortly after.</summary>
/// <param name="Id">The job id.</param>
public sealed record JobCancelCommand(string Id) : QmpEmptyCommand("job-cancel")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["id"] = Id };
}

/// <summary><c>job-finalize</c>: finalises a pending job started with auto-finalize off.</summary>
/// <param name="Id">The job id.</param>
public sealed record JobFinalizeCommand(string Id) : QmpEmptyCommand("job-finalize")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["id"] = Id };
}

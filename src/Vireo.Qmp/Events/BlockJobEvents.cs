namespace Vireo.Qmp;

/// <summary><c>BLOCK_JOB_COMPLETED</c>: a block job ended, successfully or not (<see cref="Error"/>).</summary>
/// <param name="Type">Job type: <c>commit</c>, <c>stream</c>, <c>mirror</c>, <c>backup</c>, <c>create</c>, ...</param>
/// <param name="Device">The job id (historically the device name).</param>
/// <param name="Len">Maximum progress value.</param>
/// <param name="Offset">Progress reached; equals <see cref="Len"/> on success.</param>
/// <param name="Speed">Rate limit in bytes per second (0 = none).</param>
/// <param name="Error">Human-readable error, present only on failure.</param>
public sealed record BlockJobCompletedEvent(string Type, string Device, long Len, long Offset, long Speed, string? Error = null)
    : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "BLOCK_JOB_COMPLETED";
}

/// <summary><c>BLOCK_JOB_CANCELLED</c>: a block job was cancelled.</summary>
/// <param name="Type">Job type.</param>
/// <param name="Device">The job id.</param>
/// <param name="Len">Maximum progress value.</param>
/// <param name="Offset">Progress reached when cancelled.</param>
/// <param name="Speed">Rate limit in bytes per second.</param>
public sealed record BlockJobCancelledEvent(string Type, string Device, long Len, long Offset, long Speed) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "BLOCK_JOB_CANCELLED";
}

/// <summary><c>BLOCK_JOB_ERROR</c>: a block job hit an I/O error.</summary>
/// <param name="Device">The job id.</param>
/// <param name="Operation">The failed I/O: <c>read</c> or <c>write</c>.</param>
/// <param name="Action">What QEMU did: <c>ignore</c>, <c>report</c> or <c>stop</c>.</param>
public sealed record BlockJobErrorEvent(string Device, string Operation, string Action) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "BLOCK_JOB_ERROR";
}

/// <summary><c>JOB_STATUS_CHANGE</c>: a job (block job, <c>blockdev-create</c>, ...) changed state.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Status">The new state.</param>
public sealed record JobStatusChangeEvent(string Id, JobStatus Status) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "JOB_STATUS_CHANGE";
}

namespace Vireo.Persistence;

/// <summary>
/// One VM as stored: its definition (as JSON text; the store does not interpret it) and the state the engine
/// last recorded. Runtime columns are null while the VM has no QEMU process.
/// </summary>
public sealed record VmRecord
{
    public required string Uuid { get; init; }
    public required string Name { get; init; }
    public required string SpecJson { get; init; }
    public required string State { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset DefinedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public VmRuntimeRecord? Runtime { get; init; }
    /// <summary>Grows with every change of the definition; starts at 1.</summary>
    public long Revision { get; init; } = 1;
    /// <summary>The definition a running VM gets at its next start (changes it could not take live); null: none.</summary>
    public string? PendingSpecJson { get; init; }
}

/// <summary>Identity of a VM's QEMU process, kept so a restarted daemon can find and verify it.</summary>
public sealed record VmRuntimeRecord
{
    public int Pid { get; init; }
    /// <summary>Process start time in clock ticks since boot (/proc/PID/stat field 22): guards against PID reuse.</summary>
    public long PidStartTicks { get; init; }
    public required string Accel { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public int? VncPort { get; init; }
}

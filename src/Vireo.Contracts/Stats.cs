namespace Vireo.Contracts;

/// <summary>
/// <c>GET /v1/stats</c>: the counters of every VM, read when asked (vireod polls nothing in between). Counters are
/// cumulative; a rate is the difference of two samples divided by the difference of their <see cref="VmStats.ClockNs"/>.
/// </summary>
public sealed record StatsReport
{
    /// <summary>When vireod answered (UTC).</summary>
    public DateTimeOffset SampledAt { get; init; }
    /// <summary>Online logical CPUs of the host: the 100 % that a VM's CPU share is a part of.</summary>
    public int HostCpus { get; init; }
    /// <summary>The host's memory (MemTotal), in bytes.</summary>
    public long HostMemoryBytes { get; init; }
    /// <summary>Every defined VM by name; those without a QEMU process carry their state only.</summary>
    public required List<VmStats> Vms { get; init; }
}

/// <summary>
/// One VM's counters (<c>GET /v1/vms/{name}/stats</c>, and each entry of <see cref="StatsReport"/>), read from QEMU
/// (QMP) and from the kernel (/proc), never estimated. A VM without a QEMU process has name, uuid and state only.
/// </summary>
public sealed record VmStats
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>VM UUID.</summary>
    public required string Uuid { get; init; }
    /// <summary>Current state.</summary>
    public required VmState State { get; init; }
    /// <summary>QEMU process id; null without a process.</summary>
    public int? Pid { get; init; }
    /// <summary>When the QEMU process started (UTC).</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>Whole seconds since the QEMU process started.</summary>
    public long? UptimeSeconds { get; init; }
    /// <summary>When these counters were read (UTC).</summary>
    public DateTimeOffset? SampledAt { get; init; }
    /// <summary>
    /// The host's monotonic clock (CLOCK_MONOTONIC) when these counters were read, in nanoseconds: the interval
    /// between two samples, unaffected by changes of the wall clock.
    /// </summary>
    public long? ClockNs { get; init; }
    /// <summary>CPU time of the QEMU process and of each vCPU thread.</summary>
    public VmCpuStats? Cpu { get; init; }
    /// <summary>Guest memory and the QEMU process's resident memory.</summary>
    public VmMemoryStats? Memory { get; init; }
    /// <summary>Per disk and CD-ROM drive: QEMU's block counters (<c>query-blockstats</c>).</summary>
    public List<VmDiskStats>? Disks { get; init; }
    /// <summary>Per NIC: the counters of its tap, from the guest's side; none for user-mode NICs.</summary>
    public List<VmNicStats>? Nics { get; init; }
    /// <summary>Parts that could not be read this time (e.g. QEMU did not answer), each a sentence; null when none.</summary>
    public List<string>? Warnings { get; init; }
}

/// <summary>CPU time, from /proc/PID/stat (the whole process) and /proc/PID/task/TID/stat (each vCPU thread).</summary>
public sealed record VmCpuStats
{
    /// <summary>User plus system time of the whole QEMU process (every thread, exited ones included), in ns.</summary>
    public long TimeNs { get; init; }
    /// <summary>User time of the process, in ns.</summary>
    public long UserNs { get; init; }
    /// <summary>System time of the process, in ns.</summary>
    public long SystemNs { get; init; }
    /// <summary>
    /// The kernel counts these times in clock ticks: each is a multiple of this many ns (10 ms), so a rate over a
    /// one-second interval is exact to about one percent of a CPU.
    /// </summary>
    public long ResolutionNs { get; init; }
    /// <summary>Online logical CPUs of the host (the denominator of a CPU share, as virt-top uses it).</summary>
    public int HostCpus { get; init; }
    /// <summary>Each vCPU with its host thread (<c>query-cpus-fast</c>).</summary>
    public List<VcpuStats> Vcpus { get; init; } = [];
}

/// <summary>One vCPU's thread and its CPU time.</summary>
public sealed record VcpuStats
{
    /// <summary>vCPU index.</summary>
    public int Index { get; init; }
    /// <summary>The host thread that runs it.</summary>
    public long ThreadId { get; init; }
    /// <summary>User plus system time of that thread, in ns; null when the thread could not be read.</summary>
    public long? TimeNs { get; init; }
}

/// <summary>Memory as configured, as the balloon sets it, and as the host sees the QEMU process.</summary>
public sealed record VmMemoryStats
{
    /// <summary>Guest memory from the spec, in bytes.</summary>
    public long ConfiguredBytes { get; init; }
    /// <summary>What the balloon leaves the guest (<c>query-balloon</c>), in bytes; null when the VM has no balloon.</summary>
    public long? BalloonActualBytes { get; init; }
    /// <summary>
    /// The guest's memory now: <see cref="BalloonActualBytes"/> when there is a balloon, else <see cref="ConfiguredBytes"/>.
    /// </summary>
    public long ActualBytes { get; init; }
    /// <summary>Resident memory of the QEMU process on the host (VmRSS of /proc/PID/status), in bytes.</summary>
    public long? RssBytes { get; init; }
}

/// <summary>One disk's counters since QEMU started or the disk was plugged.</summary>
public sealed record VmDiskStats
{
    /// <summary>The QEMU device id (<c>disk1a2b3c4d</c>, <c>cdrom0</c>).</summary>
    public required string Device { get; init; }
    /// <summary><c>disk</c> or <c>cdrom</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>The volume (<c>POOL/NAME</c>) or image path from the spec; null for an empty CD-ROM drive.</summary>
    public string? Source { get; init; }
    /// <summary>Bytes the guest read.</summary>
    public long ReadBytes { get; init; }
    /// <summary>Bytes the guest wrote.</summary>
    public long WriteBytes { get; init; }
    /// <summary>Read requests.</summary>
    public long ReadOps { get; init; }
    /// <summary>Write requests.</summary>
    public long WriteOps { get; init; }
    /// <summary>Flush requests.</summary>
    public long FlushOps { get; init; }
    /// <summary>Time spent in reads, in ns.</summary>
    public long ReadTimeNs { get; init; }
    /// <summary>Time spent in writes, in ns.</summary>
    public long WriteTimeNs { get; init; }
    /// <summary>Time spent in flushes, in ns.</summary>
    public long FlushTimeNs { get; init; }
}

/// <summary>
/// One NIC's counters, from the guest's point of view (as <c>virsh domifstat</c>): <c>rx</c> is what the guest
/// received, which is what the host sent into its tap. Counters are null when the NIC has no tap.
/// </summary>
public sealed record VmNicStats
{
    /// <summary>The NIC's MAC address.</summary>
    public required string Mac { get; init; }
    /// <summary>The spec's NIC type: <c>network</c>, <c>bridge</c> or <c>user</c>.</summary>
    public required string Type { get; init; }
    /// <summary>The network, for <c>type: network</c>.</summary>
    public string? Network { get; init; }
    /// <summary>The host bridge, for <c>type: bridge</c>.</summary>
    public string? Bridge { get; init; }
    /// <summary>The host tap device the counters come from; null when there is none.</summary>
    public string? Tap { get; init; }
    /// <summary>Why there are no counters (a user-mode NIC has no tap); null when there are.</summary>
    public string? Unavailable { get; init; }
    /// <summary>Bytes the guest received.</summary>
    public long? RxBytes { get; init; }
    /// <summary>Packets the guest received.</summary>
    public long? RxPackets { get; init; }
    /// <summary>Receive errors.</summary>
    public long? RxErrors { get; init; }
    /// <summary>Packets dropped on their way to the guest.</summary>
    public long? RxDropped { get; init; }
    /// <summary>Bytes the guest sent.</summary>
    public long? TxBytes { get; init; }
    /// <summary>Packets the guest sent.</summary>
    public long? TxPackets { get; init; }
    /// <summary>Transmit errors.</summary>
    public long? TxErrors { get; init; }
    /// <summary>Packets the guest sent that were dropped.</summary>
    public long? TxDropped { get; init; }
}

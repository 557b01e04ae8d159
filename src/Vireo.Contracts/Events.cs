namespace Vireo.Contracts;

/// <summary>
/// One event of <c>GET /v1/events</c> (server-sent events, one JSON object per <c>data:</c> line, its
/// <see cref="Seq"/> as the SSE <c>id:</c>). Only the fields that apply to its <see cref="Type"/> are present.
/// </summary>
public sealed record VireoEvent
{
    /// <summary>Increases by one for every event vireod publishes (starting at 1 when it starts).</summary>
    public long Seq { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>
    /// <c>vm.state</c>, <c>vm.defined</c>, <c>vm.undefined</c>, <c>vm.changed</c>, <c>operation.progress</c>,
    /// <c>operation.done</c>, <c>network.changed</c>, <c>storage.changed</c>, <c>host.alert</c>; and
    /// <c>overflow</c>: events were lost for this client (it read too slowly, or reconnected after the ones it
    /// missed had left vireod's buffer), so it should read the current state again.
    /// </summary>
    public required string Type { get; init; }
    /// <summary>The VM it concerns.</summary>
    public string? Vm { get; init; }
    /// <summary>The network it concerns.</summary>
    public string? Network { get; init; }
    /// <summary>The storage pool it concerns.</summary>
    public string? Pool { get; init; }
    /// <summary>The operation id (<c>operation.*</c>).</summary>
    public string? Operation { get; init; }
    /// <summary>The VM's new state (<c>vm.state</c>), or the operation's status (<c>operation.*</c>).</summary>
    public string? State { get; init; }
    /// <summary>A sentence for people: the reason of a state, what changed, an operation's error, an alert.</summary>
    public string? Message { get; init; }
    /// <summary>An operation's fraction done, 0 to 1.</summary>
    public double? Progress { get; init; }
}

/// <summary>Event types of <see cref="VireoEvent.Type"/>.</summary>
public static class EventTypes
{
    /// <summary>A VM changed state (<c>state</c>, <c>message</c> = the reason).</summary>
    public const string VmState = "vm.state";
    /// <summary>A VM was defined (also the new name of a renamed one, a clone).</summary>
    public const string VmDefined = "vm.defined";
    /// <summary>A VM was undefined (also the old name of a renamed one).</summary>
    public const string VmUndefined = "vm.undefined";
    /// <summary>A VM's definition changed.</summary>
    public const string VmChanged = "vm.changed";
    /// <summary>An operation started or moved on.</summary>
    public const string OperationProgress = "operation.progress";
    /// <summary>An operation ended (<c>state</c>: succeeded, failed, cancelled).</summary>
    public const string OperationDone = "operation.done";
    /// <summary>A network, its forwards or reservations changed.</summary>
    public const string NetworkChanged = "network.changed";
    /// <summary>A pool or its volumes changed.</summary>
    public const string StorageChanged = "storage.changed";
    /// <summary>Something needs the operator's attention.</summary>
    public const string HostAlert = "host.alert";
    /// <summary>This client missed events; read the current state again.</summary>
    public const string Overflow = "overflow";

    /// <summary>Every type a client may filter on.</summary>
    public static readonly IReadOnlyList<string> All =
        [VmState, VmDefined, VmUndefined, VmChanged, OperationProgress, OperationDone, NetworkChanged, StorageChanged, HostAlert, Overflow];
}

/// <summary>
/// <c>GET /v1/stats/history</c>: per running VM, one point every <see cref="IntervalSeconds"/> for about the last
/// 15 minutes, oldest first. Rates are averages over the interval before each point.
/// </summary>
public sealed record StatsHistory
{
    /// <summary>Seconds between points (5).</summary>
    public int IntervalSeconds { get; init; }
    /// <summary>Points by VM name.</summary>
    public required Dictionary<string, List<StatsPoint>> Vms { get; init; }
}

/// <summary>One sample of a VM, as rates over the interval before it.</summary>
public sealed record StatsPoint
{
    /// <summary>When it was taken, Unix time in milliseconds.</summary>
    public long T { get; init; }
    /// <summary>Host CPUs kept busy by the QEMU process (1.0 = one core).</summary>
    public double Cpu { get; init; }
    /// <summary>Resident memory of the QEMU process, in bytes.</summary>
    public long Mem { get; init; }
    /// <summary>Bytes per second the guest read from its disks.</summary>
    public double DiskRd { get; init; }
    /// <summary>Bytes per second the guest wrote to its disks.</summary>
    public double DiskWr { get; init; }
    /// <summary>Bytes per second the guest received on its NICs.</summary>
    public double NetRx { get; init; }
    /// <summary>Bytes per second the guest sent on its NICs.</summary>
    public double NetTx { get; init; }
}

/// <summary><c>GET /v1/host/usage</c>: how full the host is, as capacity, allocated to VMs, and actually used.</summary>
public sealed record HostUsage
{
    /// <summary>In host CPUs: logical CPUs, vCPUs of running VMs, CPUs kept busy (all processes).</summary>
    public required CpuUsage Cpu { get; init; }
    /// <summary>In bytes: MemTotal, memory of running VMs, MemTotal minus MemAvailable.</summary>
    public required ByteUsage Memory { get; init; }
    /// <summary>In bytes, over the storage pools: their file systems' size, volumes' virtual sizes, space taken.</summary>
    public required ByteUsage Disk { get; init; }
}

/// <summary>Capacity, allocation and use of the host's CPUs.</summary>
public sealed record CpuUsage
{
    /// <summary>What the host has.</summary>
    public double Capacity { get; init; }
    /// <summary>What is given to VMs.</summary>
    public double Allocated { get; init; }
    /// <summary>What is really in use.</summary>
    public double Used { get; init; }
}

/// <summary>Capacity, allocation and use of memory or disk, in bytes.</summary>
public sealed record ByteUsage
{
    /// <summary>What the host has.</summary>
    public long Capacity { get; init; }
    /// <summary>What is given to VMs.</summary>
    public long Allocated { get; init; }
    /// <summary>What is really in use.</summary>
    public long Used { get; init; }
}

using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Host.Linux;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

/// <summary>What one stats request reads once for all VMs: host facts and the kernel's interface counters.</summary>
internal sealed class StatsContext(int hostCpus, Func<IReadOnlyDictionary<string, NetDevCounters>> readNetDevices, Func<string, bool> isUserNetwork)
{
    private readonly Lazy<IReadOnlyDictionary<string, NetDevCounters>> _netDevices = new(readNetDevices);

    public int HostCpus { get; } = hostCpus;

    /// <summary>/proc/net/dev, read at most once per request and only when a VM with a process has a NIC.</summary>
    public IReadOnlyDictionary<string, NetDevCounters> NetDevices => _netDevices.Value;

    /// <summary>Whether the network of that name is user-mode (its NICs have no tap).</summary>
    public Func<string, bool> IsUserNetwork { get; } = isUserNetwork;
}

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// How long a stats request waits for QEMU's monitor. It answers in well under a millisecond, except while the
    /// main loop is busy (a memory snapshot being saved): then that part is missing with a warning, rather than
    /// <c>vireo top</c> hanging for every VM.
    /// </summary>
    internal static readonly TimeSpan StatsQmpTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The VM's counters, read now: QMP (query-blockstats, and query-cpus-fast and query-balloon when their answer
    /// may have changed; sent together) and /proc. Takes no operation lock: a stats request never waits for a long
    /// operation, and never changes anything.
    /// </summary>
    public async Task<VmStats> StatsAsync(StatsContext context, CancellationToken ct)
    {
        VmSpec spec;
        VmState state;
        QemuSession? session;
        RuntimeFacts? runtime;
        lock (_gate)
        {
            spec = _spec;
            state = _state;
            session = _session;
            runtime = _runtime;
        }
        if (session is null)
            return new VmStats { Name = spec.Name, Uuid = Uuid, State = state };

        var warnings = new List<string>();
        // In flight together: the monitor answers them one after the other while /proc is read here.
        var blockTask = session.ExecuteAsync(QmpCommands.QueryBlockstats(), StatsQmpTimeout, ct);
        var cpusTask = session.QueryVcpusAsync(spec.Vcpus, StatsQmpTimeout, ct);
        var balloonTask = session.QueryBalloonActualAsync(StatsQmpTimeout, ct);

        var pid = session.Pid;
        var clock = MonotonicNanoseconds();
        var sampledAt = DateTimeOffset.UtcNow;
        var processCpu = ProcCounters.ReadProcessCpu(pid);
        var rss = ProcCounters.ReadResidentBytes(pid);
        if (processCpu is null)
            warnings.Add($"/proc/{pid} could not be read: the QEMU process is exiting");
        var nics = spec.Nics.Count == 0 ? [] : VmStatsComposer.Nics(spec, context.NetDevices, context.IsUserNetwork);

        var cpus = await QmpPartAsync(cpusTask, "vCPU threads (query-cpus-fast)", warnings);
        var blocks = await QmpPartAsync(blockTask, "disk counters (query-blockstats)", warnings);
        long? balloon = null;
        try
        {
            balloon = await balloonTask;
        }
        catch (Exception e) when (e is QmpException or ObjectDisposedException)
        {
            warnings.Add($"the balloon (query-balloon) not read: {StatsProblem(e)}");
        }

        var started = runtime?.StartedAt ?? session.ProcessStartedAt;
        var configured = spec.Memory * 1024 * 1024;
        return new VmStats
        {
            Name = spec.Name,
            Uuid = Uuid,
            State = state,
            Pid = pid,
            StartedAt = started,
            UptimeSeconds = Math.Max(0, (long)(sampledAt - started).TotalSeconds),
            SampledAt = sampledAt,
            ClockNs = clock,
            Cpu = processCpu is not { } cpu ? null : new VmCpuStats
            {
                TimeNs = cpu.TotalNanoseconds,
                UserNs = cpu.UserNanoseconds,
                SystemNs = cpu.SystemNanoseconds,
                ResolutionNs = 1_000_000_000 / CpuTicks.TicksPerSecond,
                HostCpus = context.HostCpus,
                Vcpus = VcpuTimes(session, pid, cpus),
            },
            Memory = new VmMemoryStats
            {
                ConfiguredBytes = configured,
                BalloonActualBytes = balloon,
                ActualBytes = balloon ?? configured,
                RssBytes = rss,
            },
            Disks = blocks is null ? null : VmStatsComposer.Disks(spec, blocks),
            Nics = nics,
            Warnings = warnings.Count == 0 ? null : warnings,
        };
    }

    /// <summary>Each vCPU's thread time; a thread that is gone makes the next request ask QEMU for the threads again.</summary>
    private static List<VcpuStats> VcpuTimes(QemuSession session, int pid, IReadOnlyList<CpuInfoFast>? vcpus)
    {
        var result = new List<VcpuStats>();
        foreach (var vcpu in vcpus ?? [])
        {
            var time = ProcCounters.ReadThreadCpu(pid, vcpu.ThreadId)?.TotalNanoseconds;
            if (time is null)
                session.ForgetVcpus();
            result.Add(new VcpuStats { Index = vcpu.CpuIndex, ThreadId = vcpu.ThreadId, TimeNs = time });
        }
        return result;
    }

    /// <summary>A QMP answer, or null with a warning when QEMU did not give one (timeout, monitor closing).</summary>
    private static async Task<T?> QmpPartAsync<T>(Task<T> task, string what, List<string> warnings) where T : class
    {
        try
        {
            return await task;
        }
        catch (Exception e) when (e is QmpException or ObjectDisposedException)
        {
            warnings.Add($"{what} not read: {StatsProblem(e)}");
            return null;
        }
    }

    /// <summary>Why a QMP part is missing; a monitor closed under the request means QEMU is going away.</summary>
    private static string StatsProblem(Exception e) => e is ObjectDisposedException ? "the VM's monitor was closed (QEMU is stopping)" : e.Message;

    /// <summary>CLOCK_MONOTONIC in nanoseconds (Stopwatch reads it on Linux).</summary>
    private static long MonotonicNanoseconds()
    {
        var ticks = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)((Int128)ticks * 1_000_000_000 / Stopwatch.Frequency);
    }
}

/// <summary>Pure pieces of a VM's stats: matching QEMU's and the kernel's counters to the spec's disks and NICs.</summary>
internal static class VmStatsComposer
{
    internal const string UserModeReason = "user-mode networking runs inside QEMU, without a tap; QEMU keeps no counters for it";

    /// <summary>Each disk of the spec that QEMU reports, in spec order, found by its device id.</summary>
    public static List<VmDiskStats> Disks(VmSpec spec, IReadOnlyList<BlockStats> blocks)
    {
        var byDevice = new Dictionary<string, BlockStats>(StringComparer.Ordinal);
        foreach (var block in blocks)
        {
            if (block.DeviceId is { } id)
                byDevice.TryAdd(id, block);
        }
        var result = new List<VmDiskStats>();
        var cdroms = 0;
        foreach (var disk in spec.Disks)
        {
            var cdrom = disk.Device == "cdrom";
            var device = VmPlanner.DiskIds(disk, cdrom ? cdroms++ : 0).Device;
            if (!byDevice.TryGetValue(device, out var block))
                continue;
            var s = block.Stats;
            result.Add(new VmDiskStats
            {
                Device = device,
                Kind = cdrom ? "cdrom" : "disk",
                Source = disk.Volume ?? disk.Path,
                ReadBytes = s.RdBytes,
                WriteBytes = s.WrBytes,
                ReadOps = s.RdOperations,
                WriteOps = s.WrOperations,
                FlushOps = s.FlushOperations,
                ReadTimeNs = s.RdTotalTimeNs,
                WriteTimeNs = s.WrTotalTimeNs,
                FlushTimeNs = s.FlushTotalTimeNs,
            });
        }
        return result;
    }

    /// <summary>
    /// Each NIC of the spec with its tap's counters turned to the guest's side (the tap's tx is what the guest
    /// received), or the reason it has none.
    /// </summary>
    public static List<VmNicStats> Nics(VmSpec spec, IReadOnlyDictionary<string, NetDevCounters> devices, Func<string, bool> isUserNetwork)
    {
        var result = new List<VmNicStats>();
        foreach (var nic in spec.Nics)
        {
            var stats = new VmNicStats
            {
                Mac = nic.Mac!,
                Type = nic.Type,
                Network = nic.Type == "network" ? nic.Network : null,
                Bridge = nic.Type == "bridge" ? nic.Bridge : null,
            };
            var tap = VmPlanner.TapName(nic.Mac!);
            if (nic.Type == "user")
            {
                stats = stats with { Unavailable = UserModeReason };
            }
            else if (!devices.TryGetValue(tap, out var c))
            {
                // A user-mode network's NICs have no tap; asked only here, so a tap NIC costs no look-up.
                stats = stats with
                {
                    Unavailable = nic.Type == "network" && nic.Network is { } network && isUserNetwork(network)
                        ? $"network \"{network}\" is user-mode: {UserModeReason}"
                        : $"its tap {tap} does not exist on the host",
                };
            }
            else
            {
                stats = stats with
                {
                    Tap = tap,
                    RxBytes = c.TxBytes,
                    RxPackets = c.TxPackets,
                    RxErrors = c.TxErrors,
                    RxDropped = c.TxDropped,
                    TxBytes = c.RxBytes,
                    TxPackets = c.RxPackets,
                    TxErrors = c.RxErrors,
                    TxDropped = c.RxDropped,
                };
            }
            result.Add(stats);
        }
        return result;
    }
}

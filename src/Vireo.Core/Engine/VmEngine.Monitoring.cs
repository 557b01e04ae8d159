using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Monitoring;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>A pool whose file system is fuller than this raises a host.alert.</summary>
    public const double PoolFullAlert = 0.90;

    /// <summary>The alert is raised again only after the pool fell below this.</summary>
    public const double PoolFullRearm = 0.85;

    private readonly HostCpuMeter _hostCpu = new();
    private readonly HashSet<string> _fullPools = new(StringComparer.Ordinal);
    private long _statsWarnings;
    private double? _hostCpuBusy;

    /// <summary>The UI's short history, filled by <see cref="RunSamplerAsync"/>.</summary>
    public StatsHistoryStore History { get; } = new();

    /// <summary>Parts of stats that QEMU did not deliver (a QMP query failed or timed out), since vireod started.</summary>
    public long StatsWarnings => Interlocked.Read(ref _statsWarnings);

    /// <summary>Long operations still running.</summary>
    public int RunningOperations => Operations.List().Count(o => o.Status == OperationStatus.Running);

    /// <summary>
    /// Samples every VM each <paramref name="interval"/> into <see cref="History"/> until <paramref name="ct"/> is
    /// cancelled; also measures the host's CPU and raises pool-nearly-full alerts. A slow VM delays only its own
    /// figures (each QMP query gives up after a few seconds); a failed sample is logged and the next one tried.
    /// </summary>
    public async Task RunSamplerAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        _hostCpu.Sample(1);
        do
        {
            try
            {
                History.Record(await StatsAsync(ct));
                _hostCpuBusy = _hostCpu.Sample(Vireo.Host.HostFacts.ReadThisHost().LogicalCpus);
                CheckPools();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.LogWarning("stats sample failed: {Error}", e.Message);
            }
        }
        while (await WaitTickAsync(timer, ct));
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>GET /v1/host/usage</c>. CPU: logical CPUs, the vCPUs of VMs with a QEMU process, CPUs kept busy (all
    /// processes, over the last sample). Memory: MemTotal, the memory of VMs with a QEMU process, MemTotal minus
    /// MemAvailable. Disk: see <see cref="Storage.StorageService.DiskUsage"/>.
    /// </summary>
    public async Task<HostUsage> HostUsageAsync(CancellationToken ct)
    {
        var facts = Vireo.Host.HostFacts.ReadThisHost();
        var busy = _hostCpuBusy;
        if (busy is null)
        {
            // No sample yet (vireod just started): measure over a quarter of a second.
            var meter = new HostCpuMeter();
            meter.Sample(facts.LogicalCpus);
            await Task.Delay(250, ct);
            busy = meter.Sample(facts.LogicalCpus) ?? 0;
        }
        var live = _vms.Values.Where(v => v.HasProcess).Select(v => v.Spec).ToList();
        return new HostUsage
        {
            Cpu = new CpuUsage { Capacity = facts.LogicalCpus, Allocated = live.Sum(s => s.Vcpus), Used = busy.Value },
            Memory = new ByteUsage
            {
                Capacity = facts.MemTotalMiB * 1024 * 1024,
                Allocated = live.Sum(s => s.Memory * 1024L * 1024),
                Used = (facts.MemTotalMiB - facts.MemAvailableMiB) * 1024 * 1024,
            },
            Disk = Storage.DiskUsage(),
        };
    }

    /// <summary>Raises a host.alert when a pool's file system passes <see cref="PoolFullAlert"/>, once per crossing.</summary>
    private void CheckPools()
    {
        foreach (var (pool, capacity, available) in Storage.PoolSpace())
        {
            if (capacity <= 0)
                continue;
            var full = 1 - (double)available / capacity;
            lock (_fullPools)
            {
                if (full >= PoolFullAlert && _fullPools.Add(pool))
                {
                    Events.Publish(new VireoEvent
                    {
                        Type = EventTypes.HostAlert,
                        Pool = pool,
                        State = "pool-full",
                        Message = $"pool \"{pool}\" is {full:P0} full ({available / (1024 * 1024 * 1024.0):0.#} GiB available of {capacity / (1024 * 1024 * 1024.0):0.#} GiB)",
                    });
                }
                else if (full < PoolFullRearm)
                    _fullPools.Remove(pool);
            }
        }
    }

    private void CountWarnings(IEnumerable<VmStats> stats)
    {
        var n = stats.Sum(s => s.Warnings?.Count ?? 0);
        if (n > 0)
            Interlocked.Add(ref _statsWarnings, n);
    }
}

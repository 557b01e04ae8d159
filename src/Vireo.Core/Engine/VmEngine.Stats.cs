using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// One VM's counters, read now (<c>GET /v1/vms/{name}/stats</c>); a VM without a QEMU process has its state
    /// only. Nothing is gathered between requests: vireod polls nothing while nobody asks.
    /// </summary>
    public async Task<VmStats> StatsAsync(string name, CancellationToken ct)
    {
        var stats = await Find(name).StatsAsync(NewStatsContext(out _), ct);
        CountWarnings([stats]);
        return stats;
    }

    /// <summary>Every VM's counters, read now and concurrently (<c>GET /v1/stats</c>), by name.</summary>
    public async Task<StatsReport> StatsAsync(CancellationToken ct)
    {
        var context = NewStatsContext(out var memoryBytes);
        var vms = _vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        var stats = await Task.WhenAll(vms.Select(v => v.StatsAsync(context, ct)));
        CountWarnings(stats);
        return new StatsReport
        {
            SampledAt = DateTimeOffset.UtcNow,
            HostCpus = context.HostCpus,
            HostMemoryBytes = memoryBytes,
            Vms = [.. stats],
        };
    }

    private StatsContext NewStatsContext(out long memoryBytes)
    {
        var facts = Vireo.Host.HostFacts.ReadThisHost();
        memoryBytes = facts.MemTotalMiB * 1024 * 1024;
        return new StatsContext(facts.LogicalCpus, ProcCounters.ReadNetDevices, IsUserNetwork);
    }

    /// <summary>Whether <paramref name="network"/> is a user-mode network (only asked for a NIC whose tap is missing).</summary>
    private bool IsUserNetwork(string network)
    {
        try
        {
            return _networks.Resolve(network, "network").Mode == NetworkMode.User;
        }
        catch (Errors.VireoException)
        {
            return false;
        }
    }
}

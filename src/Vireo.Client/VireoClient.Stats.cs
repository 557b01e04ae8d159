using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>GET /v1/vms/{name}/stats</c>: the VM's cumulative counters, read by vireod now (state only when it has no
    /// QEMU process). A rate is the difference of two samples over the difference of their <see cref="VmStats.ClockNs"/>.
    /// </summary>
    public Task<VmStats> GetVmStatsAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync(VmPath(name) + "/stats", VireoJsonContext.Default.VmStats, ct);

    /// <summary><c>GET /v1/stats</c>: every VM's counters, with the host's CPU count and memory.</summary>
    public Task<StatsReport> GetStatsAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/stats", VireoJsonContext.Default.StatsReport, ct);

    /// <summary>
    /// <c>GET /v1/stats/history[?vm=NAME]</c>: the last ~15 minutes of every running VM (or one), a point every
    /// 5 s, as rates (CPUs busy, bytes per second) and resident memory.
    /// </summary>
    public Task<StatsHistory> GetStatsHistoryAsync(string? vm = null, CancellationToken ct = default) =>
        GetJsonAsync("v1/stats/history" + (vm is null ? "" : "?vm=" + Uri.EscapeDataString(vm)), VireoJsonContext.Default.StatsHistory, ct);

    /// <summary><c>GET /v1/host/usage</c>: CPU, memory and disk of the host as capacity, allocated to VMs, and used.</summary>
    public Task<HostUsage> GetHostUsageAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/host/usage", VireoJsonContext.Default.HostUsage, ct);
}

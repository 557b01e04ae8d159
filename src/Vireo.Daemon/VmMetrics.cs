using Prometheus;
using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Daemon;

/// <summary>
/// The Prometheus metrics of <c>GET /metrics</c> (prometheus-net): per VM its state, CPU time, memory and balloon,
/// block I/O per disk and network traffic per NIC, read at scrape time from the same counters as
/// <c>GET /v1/stats</c>; and vireod's own health. A VM whose monitor is slow only misses its QMP parts (each query
/// gives up after 2 s) and the whole collection after <see cref="ScrapeTimeout"/>.
/// </summary>
internal sealed class VmMetrics
{
    /// <summary>Longest a scrape waits for the VMs' counters; what came in by then is served.</summary>
    public static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] States = ["stopped", "starting", "running", "paused", "shutting-down", "crashed"];

    private readonly VmEngine _engine;
    private readonly SemaphoreSlim _collecting = new(1, 1);
    private readonly Dictionary<string, int> _pids = new(StringComparer.Ordinal);

    private readonly Gauge _state;
    private readonly Gauge _vcpus;
    private readonly Counter _cpuSeconds;
    private readonly Gauge _memConfigured;
    private readonly Gauge _memRss;
    private readonly Gauge _balloon;
    private readonly Counter _diskReadBytes;
    private readonly Counter _diskWriteBytes;
    private readonly Counter _diskReadOps;
    private readonly Counter _diskWriteOps;
    private readonly Counter _diskFlushOps;
    private readonly Counter _nicRxBytes;
    private readonly Counter _nicTxBytes;
    private readonly Counter _nicRxPackets;
    private readonly Counter _nicTxPackets;
    private readonly Counter _nicRxDropped;
    private readonly Counter _nicTxDropped;
    private readonly Gauge _vms;
    private readonly Gauge _operations;
    private readonly Gauge _subscribers;
    private readonly Counter _eventsPublished;
    private readonly Counter _subscribersDropped;
    private readonly Counter _qmpErrors;

    public VmMetrics(VmEngine engine)
    {
        _engine = engine;
        Registry = Metrics.NewCustomRegistry();
        // process_cpu_seconds_total, process_resident_memory_bytes, process_open_handles, dotnet_* (GC, threads).
        DotNetStats.Register(Registry);
        var f = Metrics.WithCustomRegistry(Registry);
        string[] vm = ["vm"], disk = ["vm", "disk"], nic = ["vm", "nic"];
        _state = f.CreateGauge("vireo_vm_state", "1 for the VM's current state, 0 for the others", ["vm", "state"]);
        _vcpus = f.CreateGauge("vireo_vm_vcpus", "vCPUs of a VM with a QEMU process", vm);
        _cpuSeconds = f.CreateCounter("vireo_vm_cpu_seconds_total", "CPU time (user + system) of the VM's QEMU process", vm);
        _memConfigured = f.CreateGauge("vireo_vm_memory_bytes", "Guest memory from the spec", vm);
        _memRss = f.CreateGauge("vireo_vm_memory_rss_bytes", "Resident memory of the VM's QEMU process on the host", vm);
        _balloon = f.CreateGauge("vireo_vm_balloon_bytes", "Memory the balloon leaves the guest (query-balloon); absent without a balloon", vm);
        _diskReadBytes = f.CreateCounter("vireo_vm_disk_read_bytes_total", "Bytes the guest read from the disk (query-blockstats)", disk);
        _diskWriteBytes = f.CreateCounter("vireo_vm_disk_write_bytes_total", "Bytes the guest wrote to the disk", disk);
        _diskReadOps = f.CreateCounter("vireo_vm_disk_read_ops_total", "Read requests of the guest", disk);
        _diskWriteOps = f.CreateCounter("vireo_vm_disk_write_ops_total", "Write requests of the guest", disk);
        _diskFlushOps = f.CreateCounter("vireo_vm_disk_flush_ops_total", "Flush requests of the guest", disk);
        _nicRxBytes = f.CreateCounter("vireo_vm_net_rx_bytes_total", "Bytes the guest received on the NIC (its tap's tx)", nic);
        _nicTxBytes = f.CreateCounter("vireo_vm_net_tx_bytes_total", "Bytes the guest sent on the NIC (its tap's rx)", nic);
        _nicRxPackets = f.CreateCounter("vireo_vm_net_rx_packets_total", "Packets the guest received on the NIC", nic);
        _nicTxPackets = f.CreateCounter("vireo_vm_net_tx_packets_total", "Packets the guest sent on the NIC", nic);
        _nicRxDropped = f.CreateCounter("vireo_vm_net_rx_dropped_total", "Packets dropped on their way to the guest", nic);
        _nicTxDropped = f.CreateCounter("vireo_vm_net_tx_dropped_total", "Packets the guest sent that were dropped", nic);
        _vms = f.CreateGauge("vireo_vms", "Defined VMs by state", ["state"]);
        _operations = f.CreateGauge("vireo_operations_running", "Long operations (copies, imports, backups, clones) running now");
        _subscribers = f.CreateGauge("vireo_event_subscribers", "Clients reading GET /v1/events now");
        _eventsPublished = f.CreateCounter("vireo_events_published_total", "Events published since vireod started");
        _subscribersDropped = f.CreateCounter("vireo_event_subscribers_dropped_total", "Event clients dropped because they read too slowly");
        _qmpErrors = f.CreateCounter("vireo_qmp_errors_total", "Stats queries to a VM's monitor (QMP) that failed or timed out");
        var firstSeq = engine.Events.LastSeq;
        Registry.AddBeforeCollectCallback(async ct =>
        {
            await _collecting.WaitAsync(ct);
            try
            {
                await CollectAsync(firstSeq, ct);
            }
            finally
            {
                _collecting.Release();
            }
        });
    }

    public CollectorRegistry Registry { get; }

    private async Task CollectAsync(long firstSeq, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ScrapeTimeout);
        StatsReport report;
        try
        {
            report = await _engine.StatsAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Every VM's QMP part gives up after 2 s, so this is a host too busy to read /proc: serve the daemon's
            // own figures, and the VMs' as they were at the last scrape.
            report = new StatsReport { Vms = [.. _engine.List().Select(s => new VmStats { Name = s.Name, Uuid = s.Uuid, State = s.State, Pid = null })] };
            UpdateDaemon(firstSeq, report, keepVms: true);
            return;
        }
        UpdateDaemon(firstSeq, report, keepVms: false);
    }

    private void UpdateDaemon(long firstSeq, StatsReport report, bool keepVms)
    {
        foreach (var state in States)
            _vms.WithLabels(state).Set(report.Vms.Count(v => Describe(v.State) == state));
        _operations.Set(_engine.RunningOperations);
        _subscribers.Set(_engine.Events.SubscriberCount);
        _eventsPublished.IncTo(_engine.Events.LastSeq - firstSeq);
        _subscribersDropped.IncTo(_engine.Events.DroppedSubscribers);
        _qmpErrors.IncTo(_engine.StatsWarnings);
        if (!keepVms)
            UpdateVms(report);
    }

    private void UpdateVms(StatsReport report)
    {
        var names = report.Vms.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        // A VM that is gone, or whose QEMU process is new (its counters start again), loses its series.
        foreach (var vm in report.Vms)
        {
            if (vm.Pid is { } pid && _pids.TryGetValue(vm.Name, out var known) && known != pid)
                Forget(vm.Name);
            if (vm.Pid is { } p)
                _pids[vm.Name] = p;
            else if (_pids.Remove(vm.Name))
                Forget(vm.Name);
        }
        foreach (var gone in _pids.Keys.Concat(_state.GetAllLabelValues().Select(l => l[0])).Where(n => !names.Contains(n)).Distinct().ToList())
        {
            _pids.Remove(gone);
            Forget(gone);
            foreach (var state in States)
                _state.RemoveLabelled(gone, state);
        }

        foreach (var vm in report.Vms)
        {
            var current = Describe(vm.State);
            foreach (var state in States)
                _state.WithLabels(vm.Name, state).Set(state == current ? 1 : 0);
            if (vm.Pid is null)
                continue;
            if (vm.Cpu is { } cpu)
            {
                _cpuSeconds.WithLabels(vm.Name).IncTo(cpu.TimeNs / 1e9);
                _vcpus.WithLabels(vm.Name).Set(cpu.Vcpus.Count);
            }
            if (vm.Memory is { } memory)
            {
                _memConfigured.WithLabels(vm.Name).Set(memory.ConfiguredBytes);
                if (memory.RssBytes is { } rss)
                    _memRss.WithLabels(vm.Name).Set(rss);
                if (memory.BalloonActualBytes is { } balloon)
                    _balloon.WithLabels(vm.Name).Set(balloon);
            }
            foreach (var d in vm.Disks ?? [])
            {
                string[] labels = [vm.Name, d.Source ?? d.Device];
                _diskReadBytes.WithLabels(labels).IncTo(d.ReadBytes);
                _diskWriteBytes.WithLabels(labels).IncTo(d.WriteBytes);
                _diskReadOps.WithLabels(labels).IncTo(d.ReadOps);
                _diskWriteOps.WithLabels(labels).IncTo(d.WriteOps);
                _diskFlushOps.WithLabels(labels).IncTo(d.FlushOps);
            }
            foreach (var n in vm.Nics ?? [])
            {
                if (n.Tap is null)
                    continue;
                string[] labels = [vm.Name, n.Mac];
                _nicRxBytes.WithLabels(labels).IncTo(n.RxBytes ?? 0);
                _nicTxBytes.WithLabels(labels).IncTo(n.TxBytes ?? 0);
                _nicRxPackets.WithLabels(labels).IncTo(n.RxPackets ?? 0);
                _nicTxPackets.WithLabels(labels).IncTo(n.TxPackets ?? 0);
                _nicRxDropped.WithLabels(labels).IncTo(n.RxDropped ?? 0);
                _nicTxDropped.WithLabels(labels).IncTo(n.TxDropped ?? 0);
            }
        }
    }

    /// <summary>Drops every per-process series of a VM (its state series stay).</summary>
    private void Forget(string vm)
    {
        foreach (var gauge in new[] { _vcpus, _memConfigured, _memRss, _balloon })
            gauge.RemoveLabelled(vm);
        _cpuSeconds.RemoveLabelled(vm);
        foreach (var counter in new[] { _diskReadBytes, _diskWriteBytes, _diskReadOps, _diskWriteOps, _diskFlushOps,
                     _nicRxBytes, _nicTxBytes, _nicRxPackets, _nicTxPackets, _nicRxDropped, _nicTxDropped })
        {
            foreach (var labels in counter.GetAllLabelValues().Where(l => l[0] == vm).ToList())
                counter.RemoveLabelled(labels);
        }
    }

    private static string Describe(VmState state) => VmStateMachine.Describe(state);
}

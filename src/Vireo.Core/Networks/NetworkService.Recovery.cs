using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    /// <summary>
    /// Settles a network operation a killed vireod left in the operation journal (issue 18), after
    /// <see cref="InitializeAsync"/> started the networks that were active or autostart: a network that should run
    /// and does is completed; one left half-started (a bridge, a dnsmasq, no "active" row) is torn down.
    /// </summary>
    public async Task<(OperationStatus Status, string Note)> SettleInterruptedAsync(string kind, string name, string? body, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var record = Find(name);
            if (kind == "forward-add")
            {
                // The row and its reservation are one transaction; the firewall and hosts are made from the store
                // when the network starts (InitializeAsync), so a recorded forward is complete.
                var port = (body ?? "").Split(' ').LastOrDefault();
                return _store.ListPortForwards().Any(f => f.Network == name && f.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port)
                    ? (OperationStatus.Completed, $"the forward of host port {port} is recorded and applied with network \"{name}\"")
                    : (OperationStatus.RolledBack, $"the forward of host port {port} was never recorded");
            }
            if (record is null)
                return (OperationStatus.RolledBack, $"network \"{name}\" was never recorded, so nothing was made for it");
            var wantedRunning = kind == "network-start" || body == "start";
            if (!wantedRunning)
                return (OperationStatus.Completed, $"network \"{name}\" is defined");
            if (record.Active)
                return (OperationStatus.Completed, $"network \"{name}\" is defined and running");
            var spec = Parse(record);
            try
            {
                await TearDownAsync(spec, ct);
            }
            catch (Exception e) when (e is VireoException or IOException or InvalidOperationException)
            {
                _log.LogWarning("network {Name}: tearing down the interrupted start: {Error}", name, e.Message);
            }
            if (kind == "network-create")
            {
                _store.DeleteNetwork(name);
                TryDeleteDirectory(_paths.ForNetwork(name));
                return (OperationStatus.RolledBack, $"network \"{name}\" was half made: its bridge and dnsmasq were removed, and its row");
            }
            _store.UpdateNetworkState(name, false, "its start was interrupted when vireod stopped");
            return (OperationStatus.RolledBack, $"network \"{name}\" was half started: its bridge and dnsmasq were removed; it stays defined and stopped");
        }
        finally
        {
            _lock.Release();
        }
    }
}

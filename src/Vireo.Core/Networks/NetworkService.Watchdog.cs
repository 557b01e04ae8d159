using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Network;

namespace Vireo.Core.Networks;

/// <summary>
/// dnsmasq is a daemon of its own: if it dies (killed, OOM), the VMs on its network lose DHCP renewals and DNS.
/// vireod looks every <see cref="WatchdogPeriod"/> and brings it back with the same configuration, as libvirt's
/// network driver does on its next start; dnsmasq reads its lease file again, so every lease is kept.
/// </summary>
public sealed partial class NetworkService
{
    /// <summary>How often vireod checks that each active network's dnsmasq runs.</summary>
    internal static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(2);
    private Timer? _watchdog;
    private int _watching;

    /// <summary>dnsmasq restarts made by the watchdog since vireod started (for tests and the log).</summary>
    internal int DnsmasqRestarts { get; private set; }

    private void StartWatchdog() =>
        _watchdog ??= new Timer(_ => _ = WatchDnsmasqAsync(), null, WatchdogPeriod, WatchdogPeriod);

    private async Task StopWatchdogAsync()
    {
        if (_watchdog is { } timer)
        {
            _watchdog = null;
            await timer.DisposeAsync();
        }
    }

    private async Task WatchDnsmasqAsync()
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1)
            return;
        try
        {
            // A network change in progress owns dnsmasq for now: look again at the next tick.
            if (!await _lock.WaitAsync(0))
                return;
            try
            {
                foreach (var record in _store.ListNetworks().Where(r => r.Active))
                {
                    var spec = Parse(record);
                    if (spec.Mode is not (NetworkMode.Nat or NetworkMode.Isolated) || DnsmasqProcess.RunningPid(_paths.ForNetwork(spec.Name)) is not null)
                        continue;
                    _log.LogWarning("network {Name}: dnsmasq is not running (killed or crashed); starting it again", spec.Name);
                    try
                    {
                        await StartCoreAsync(spec, CancellationToken.None);
                        DnsmasqRestarts++;
                        var pid = DnsmasqProcess.RunningPid(_paths.ForNetwork(spec.Name));
                        _log.LogWarning("network {Name}: dnsmasq restarted (pid {Pid}); its leases were kept", spec.Name, pid);
                        Changed?.Invoke(spec.Name, $"dnsmasq had stopped and was restarted (pid {pid}); leases kept");
                    }
                    catch (VireoException e)
                    {
                        _log.LogError("network {Name}: dnsmasq could not be restarted: {Error}", spec.Name, e.Message);
                    }
                }
            }
            finally
            {
                _lock.Release();
            }
        }
        catch (Exception e)
        {
            _log.LogError("dnsmasq watchdog failed: {Error}", e.Message);
        }
        finally
        {
            Volatile.Write(ref _watching, 0);
        }
    }
}

using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    /// <summary>
    /// Runs a VM's rename (<paramref name="commit"/>: one transaction that also renames its forwards and
    /// reservations) under the network lock, so that no forward or reservation can be added under the old name in
    /// between; then the DHCP host entries carry the new name. A failure of that refresh is logged, not thrown: the
    /// rename is recorded, and the entries are written again whenever the network starts.
    /// </summary>
    internal async Task VmRenamedAsync(Action commit, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            commit();
            foreach (var record in _store.ListNetworks().Where(r => r.Active))
            {
                var spec = Parse(record);
                if (spec.Mode is not (NetworkMode.Nat or NetworkMode.Isolated))
                    continue;
                try
                {
                    await RefreshHostsAsync(spec);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    _log.LogWarning("network {Network}: refreshing DHCP host entries after a rename failed: {Error}", spec.Name, e.Message);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }
}

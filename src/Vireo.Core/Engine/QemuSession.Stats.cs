using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class QemuSession
{
    /// <summary>Whether this QEMU has a balloon device: 0 not known yet, 1 yes, -1 no (devices do not change under it).</summary>
    private int _balloon;

    /// <summary>The vCPUs and their threads as last read; they change only when vCPUs are plugged or unplugged.</summary>
    private IReadOnlyList<CpuInfoFast>? _vcpus;

    /// <summary>
    /// The vCPUs and their host threads (<c>query-cpus-fast</c>). Asked again only when the count differs from
    /// <paramref name="expected"/> (the spec's vCPUs: a hot-plug changed them) or after <see cref="ForgetVcpus"/>
    /// (a thread was not found), so that a stats request costs one monitor round trip per VM instead of two.
    /// </summary>
    public async Task<IReadOnlyList<CpuInfoFast>> QueryVcpusAsync(int expected, TimeSpan timeout, CancellationToken ct)
    {
        if (Volatile.Read(ref _vcpus) is { } known && known.Count == expected)
            return known;
        var vcpus = await _qmp.ExecuteAsync(QmpCommands.QueryCpusFast(), timeout, ct);
        Volatile.Write(ref _vcpus, vcpus);
        return vcpus;
    }

    /// <summary>Makes the next <see cref="QueryVcpusAsync"/> ask QEMU.</summary>
    public void ForgetVcpus() => Volatile.Write(ref _vcpus, null);

    /// <summary>
    /// What the balloon leaves the guest, in bytes; null when this QEMU has no balloon device (asked once per
    /// process: QEMU answers DeviceNotActive without one, and a balloon is never hot-plugged).
    /// </summary>
    public async Task<long?> QueryBalloonActualAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (Volatile.Read(ref _balloon) < 0)
            return null;
        try
        {
            var info = await _qmp.ExecuteAsync(QmpCommands.QueryBalloon(), timeout, ct);
            Volatile.Write(ref _balloon, 1);
            return info.Actual;
        }
        catch (QmpCommandException e) when (e.ErrorClass == QmpErrorClass.DeviceNotActive)
        {
            Volatile.Write(ref _balloon, -1);
            return null;
        }
    }
}

using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class QemuSession
{
    /// <summary>Whether this QEMU has a balloon device: 0 not known yet, 1 yes, -1 no (devices do not change under it).</summary>
    private int _balloon;

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

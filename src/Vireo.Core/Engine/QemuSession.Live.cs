using Vireo.Core.Errors;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

/// <summary>Changing a running VM's memory (through the balloon) and its vCPUs (through CPU hot-plug).</summary>
internal sealed partial class QemuSession
{
    /// <summary>Prefix of the device id of a hot-plugged vCPU; the number is the slot's place in the topology.</summary>
    internal const string VcpuIdPrefix = "vcpu";

    /// <summary>
    /// Sets how much memory the balloon leaves the guest. QEMU answers at once; the guest's driver then inflates
    /// or deflates the balloon over the next moments (about 0.2 s for 256 MiB in the tiny guest under TCG), which
    /// <see cref="QueryBalloonActualAsync"/> follows. A target at or above QEMU's RAM gives the guest all of it.
    /// The target lives in QEMU, so it survives a daemon restart.
    /// </summary>
    /// <param name="mib">The memory to leave the guest, in MiB.</param>
    /// <param name="ct">Cancels the wait for QEMU's answer.</param>
    /// <exception cref="InvalidStateException">This QEMU has no balloon device.</exception>
    public async Task SetBalloonTargetAsync(long mib, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mib);
        try
        {
            await _qmp.ExecuteAsync(QmpCommands.Balloon(mib * 1024 * 1024), ct);
            Volatile.Write(ref _balloon, 1);
        }
        catch (QmpCommandException e) when (e.ErrorClass == QmpErrorClass.DeviceNotActive)
        {
            Volatile.Write(ref _balloon, -1);
            throw new InvalidStateException("the running QEMU has no memory balloon (it was started by an older Vireo), " +
                "so its memory cannot be changed while it runs")
            {
                Hint = "Restart the VM: every VM started now gets a balloon",
            };
        }
    }

    /// <summary>
    /// Hot-plugs vCPUs into the empty slots of <c>-smp N,maxcpus=M</c>, lowest place in the topology first, until
    /// <paramref name="target"/> are present; never unplugs one. Each gets the id <c>vcpuK</c>, K being its slot's
    /// place (the boot CPU is 0), so ids follow from what QEMU has and cannot collide after a daemon restart.
    /// The guest onlines the new CPUs itself (udev, or the tiny guest's cpu-hotplug helper), about 0.5 s later.
    /// </summary>
    /// <param name="target">How many vCPUs the VM should have.</param>
    /// <param name="ct">Cancels between plugs; those already plugged stay.</param>
    /// <returns>How many vCPUs are present afterwards (more than <paramref name="target"/> if more already were).</returns>
    /// <exception cref="InvalidInputException"><paramref name="target"/> is above the slots QEMU was started with.</exception>
    public async Task<int> PlugVcpusAsync(int target, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(target);
        var slots = await _qmp.ExecuteAsync(QmpCommands.QueryHotpluggableCpus(), ct);
        var capacity = slots.Sum(s => s.VcpusCount);
        var present = slots.Where(s => s.IsPlugged).Sum(s => s.VcpusCount);
        if (target > capacity)
            throw new InvalidInputException($"cannot give the running VM {target} vCPUs: QEMU was started with room for {capacity}")
            {
                Hint = "Raise max_vcpus in the spec; it takes effect when the VM is next started",
            };
        if (present >= target)
            return present;

        var ordered = slots.OrderBy(s => s.Props, TopologyOrder.Instance).ToList();
        var used = slots.Select(s => s.DeviceId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        try
        {
            for (var place = 0; place < ordered.Count && present < target; place++)
            {
                var slot = ordered[place];
                if (slot.IsPlugged)
                    continue;
                var id = VcpuIdPrefix + place.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // Only a CPU plugged by hand into another slot under this id could hold it; take the next free one.
                for (var n = ordered.Count; used.Contains(id); n++)
                    id = VcpuIdPrefix + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                ct.ThrowIfCancellationRequested();
                await _qmp.ExecuteAsync(QmpCommands.CpuAdd(slot, id), ct);
                used.Add(id);
                present += slot.VcpusCount;
            }
        }
        finally
        {
            ForgetVcpus();
        }
        return present;
    }

    /// <summary>How many vCPUs QEMU was started with (<c>-smp N</c>): the present ones that were not hot-plugged.</summary>
    public async Task<int> BootVcpusAsync(CancellationToken ct)
    {
        var slots = await _qmp.ExecuteAsync(QmpCommands.QueryHotpluggableCpus(), ct);
        return slots.Where(s => s.IsPlugged && s.DeviceId is null).Sum(s => s.VcpusCount);
    }

    /// <summary>How many vCPUs QEMU has now (<c>query-cpus-fast</c>, asked every time; also refreshes the stats' view).</summary>
    public async Task<int> PresentVcpusAsync(CancellationToken ct)
    {
        var vcpus = await _qmp.ExecuteAsync(QmpCommands.QueryCpusFast(), ct);
        Volatile.Write(ref _vcpus, vcpus);
        return vcpus.Count;
    }

    /// <summary>Slots in topology order: node, socket, die, cluster, core, thread (absent members first).</summary>
    private sealed class TopologyOrder : IComparer<CpuInstanceProperties>
    {
        public static readonly TopologyOrder Instance = new();

        public int Compare(CpuInstanceProperties? x, CpuInstanceProperties? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            int c;
            if ((c = Nullable.Compare(x.NodeId, y.NodeId)) != 0) return c;
            if ((c = Nullable.Compare(x.SocketId, y.SocketId)) != 0) return c;
            if ((c = Nullable.Compare(x.DieId, y.DieId)) != 0) return c;
            if ((c = Nullable.Compare(x.ClusterId, y.ClusterId)) != 0) return c;
            if ((c = Nullable.Compare(x.CoreId, y.CoreId)) != 0) return c;
            return Nullable.Compare(x.ThreadId, y.ThreadId);
        }
    }
}

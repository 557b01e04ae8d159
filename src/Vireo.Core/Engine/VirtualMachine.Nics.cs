using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Spare PCIe root ports a q35 VM gets for hot-plug (devices on pcie.0 cannot be hot-plugged).</summary>
    public const int HotplugPorts = 4;

    /// <summary>
    /// Adds a NIC: on a running or paused VM live (QMP netdev_add, the tap into its bridge, device_add into a
    /// spare root port) and in the spec; on a stopped VM in the spec only. A failure or cancellation undoes the live part
    /// (see <see cref="Reverter"/>).
    /// </summary>
    public Task<VmInfo> AttachNicAsync(NicSpec nic, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            VmSpec spec;
            QemuSession? session;
            lock (_gate)
            {
                spec = _spec;
                session = _state is VmState.Running or VmState.Paused ? _session : null;
            }
            var updated = spec with { Nics = [.. spec.Nics, nic] };
            if (session is not null)
            {
                // The planner resolves the network exactly as a start would, and refuses what a start would refuse.
                var plan = _ctx.Planner.Plan(updated, Paths);
                var id = VmPlanner.NicId(nic.Mac!);
                var netdev = plan.Config.Netdevs.Single(n => n.Id == id);
                var port = plan.BridgePorts.FirstOrDefault(p => p.Tap == VmPlanner.TapName(nic.Mac!));
                // Each undo is registered before its QMP command: a command cut short by cancellation may still run
                // in QEMU, so the undo must not depend on having seen the reply (and tolerates "not found").
                await using var revert = new Reverter("nic-hotplug", Log);
                try
                {
                    // QEMU runs unprivileged: vireod opens the tap and hands its queues over the monitor (getfd).
                    // netdev_add takes them; any it did not take stay with the monitor (and the tap alive) until closed.
                    revert.Step("tap-fds");
                    if (netdev is Vireo.Qemu.Model.TapNetdev tap)
                    {
                        // Registered first, by the names getfd uses: a getfd cut short may still reach QEMU.
                        revert.Add("tap-fds", async t =>
                        {
                            for (var q = 0; q < tap.Queues; q++)
                            {
                                var name = QemuSession.TapFdName(id, q);
                                await TryAsync(() => session.CloseFdAsync(name, t));
                            }
                        });
                        netdev = tap with { Fds = await session.PassTapAsync(tap.IfName, tap.Queues, id, ct) };
                    }
                    revert.Step("netdev-add");
                    revert.Add("netdev", t => UnlessMissingAsync(() => session.NetdevDelAsync(id, t)));
                    await session.NetdevAddAsync(netdev.ToJson(), ct);
                    Vireo.Host.CrashPoints.Hit("nic-attach.netdev-added");
                    if (port is not null)
                    {
                        revert.Step("bridge-port");
                        await Vireo.Host.Network.IpLink.AddToBridgeAsync(port.Tap, port.Bridge, ct);
                    }
                    revert.Step("device-add");
                    revert.Add("device", t => UnlessMissingAsync(() => session.DeviceDelAsync(id, t)));
                    await DeviceAddIntoSparePortAsync(session, spec, plan.Config.Devices.Single(d => d.Id == id), ct);
                    revert.Step("link");
                    if (!nic.Link)
                        await session.SetLinkAsync(id, up: false, ct);
                    Vireo.Host.CrashPoints.Hit("nic-attach.device-added");
                    revert.Step("save");
                    SaveSpec(updated);
                    revert.Success();
                }
                catch (QmpException q)
                {
                    throw new QemuFailedException($"QEMU refused the NIC: {q.Message}", q);
                }
                Log.LogInformation("VM {Name}: NIC {Mac} hot-plugged as {Id}", Name, nic.Mac, id);
                return Info();
            }
            SaveSpec(updated);
            return Info();
        }, ct, $"attach-nic {nic.Mac}");

    /// <summary>
    /// Removes a NIC (by MAC): on a running VM live (device_del, then the guest releases the device and QEMU says
    /// DEVICE_DELETED, then netdev_del, which closes the tap), and from the spec.
    /// </summary>
    public Task<VmInfo> DetachNicAsync(string mac, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            VmSpec spec;
            QemuSession? session;
            VmState state;
            lock (_gate)
            {
                spec = _spec;
                session = _session;
                state = _state;
            }
            var nic = spec.Nics.FirstOrDefault(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase))
                ?? throw NoSuchNic(mac);
            if (session is not null)
            {
                if (state != VmState.Running)
                    throw new InvalidStateException($"VM \"{Name}\" is {VmStateMachine.Describe(state)}; a NIC is unplugged with the guest's help, so it must be running");
                var id = VmPlanner.NicId(nic.Mac!);
                try
                {
                    await UnplugAsync(session, id, $"the NIC {mac}", "PCIe hot-plug", ct);
                    await session.NetdevDelAsync(id, ct);
                }
                catch (QmpException e)
                {
                    throw new QemuFailedException($"QEMU refused to unplug the NIC: {e.Message}", e);
                }
                Log.LogInformation("VM {Name}: NIC {Mac} unplugged", Name, mac);
            }
            SaveSpec(spec with { Nics = spec.Nics.Where(n => n != nic).ToList() });
            return Info();
        }, ct);

    private static readonly TimeSpan UnplugTimeout = TimeSpan.FromSeconds(20);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _unplugs = new(StringComparer.Ordinal);

    /// <summary>
    /// device_del, then waits for QEMU's DEVICE_DELETED: the guest must release the device first, which it does only
    /// with <paramref name="needs"/> support, so this gives up after <see cref="UnplugTimeout"/>.
    /// </summary>
    private async Task UnplugAsync(QemuSession session, string deviceId, string what, string needs, CancellationToken ct)
    {
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _unplugs[deviceId] = deleted;
        try
        {
            await session.DeviceDelAsync(deviceId, ct);
            if (await Task.WhenAny(deleted.Task, Task.Delay(UnplugTimeout, ct)) != deleted.Task)
                throw new OperationTimeoutException($"the guest did not release {what} within {UnplugTimeout.TotalSeconds:0} s (it needs {needs} support); it stays in the spec and QEMU may still remove it later");
        }
        finally
        {
            _unplugs.TryRemove(deviceId, out _);
        }
    }

    /// <summary>QEMU's DEVICE_DELETED: completes a pending unplug.</summary>
    private void OnDeviceDeleted(string device)
    {
        if (_unplugs.TryRemove(device, out var pending))
            pending.TrySetResult();
    }

    /// <summary>device_add into the first free spare root port (q35) or onto the root bus (i440fx, where PCI hot-plug works).</summary>
    private static async Task DeviceAddIntoSparePortAsync(QemuSession session, VmSpec spec, Vireo.Qemu.Model.IQemuDevice device, CancellationToken ct)
    {
        var json = device.ToJson();
        if (!spec.Machine.StartsWith("q35", StringComparison.Ordinal) && !spec.Machine.Contains("-q35", StringComparison.Ordinal))
        {
            await session.DeviceAddAsync(json, ct);
            return;
        }
        QmpCommandException? last = null;
        for (var port = 0; port < HotplugPorts; port++)
        {
            json["bus"] = $"hotplug{port}";
            try
            {
                await session.DeviceAddAsync((System.Text.Json.Nodes.JsonObject)json.DeepClone(), ct);
                return;
            }
            catch (QmpCommandException e)
            {
                // A port that already holds a hot-plugged device refuses; try the next one.
                last = e;
            }
        }
        throw new InvalidStateException($"all {HotplugPorts} hot-plug slots of this VM are in use ({last?.Message}); add the NIC while it is stopped");
    }

    /// <summary>
    /// Saves a device change of the running (or stopped) definition; a pending definition gets the same disks and
    /// NICs added, removed or changed, so that a hot-plug is not lost at the next start.
    /// </summary>
    private void SaveSpec(VmSpec spec)
    {
        VmSpec before;
        VmSpec? pending;
        long revision;
        lock (_gate)
        {
            before = _spec;
            pending = _pending;
            revision = _revision;
        }
        if (pending is not null)
            pending = pending with
            {
                Disks = CarryDeviceChange(before.Disks, spec.Disks, pending.Disks),
                Nics = CarryDeviceChange(before.Nics, spec.Nics, pending.Nics),
            };
        SaveDefinition(revision, spec, pending);
    }

    /// <summary>
    /// Carries a change of a device list (<paramref name="before"/> to <paramref name="after"/>) into a pending
    /// list: wholesale when the pending list was the same as before, else item by item.
    /// </summary>
    internal static IReadOnlyList<T> CarryDeviceChange<T>(IReadOnlyList<T> before, IReadOnlyList<T> after, IReadOnlyList<T> pending)
    {
        if (pending.SequenceEqual(before))
            return after;
        var result = pending.ToList();
        if (before.Count == after.Count)
        {
            // An item changed in place (CD-ROM media, link state).
            for (var i = 0; i < before.Count; i++)
                if (!Equals(before[i], after[i]) && result.IndexOf(before[i]) is var j and >= 0)
                    result[j] = after[i];
            return result;
        }
        foreach (var removed in before.Except(after))
            result.Remove(removed);
        result.AddRange(after.Except(before));
        return result;
    }

    /// <summary>An undo of a QMP add whose command may never have run: "not found" means there is nothing to undo.</summary>
    private static async Task UnlessMissingAsync(Func<Task> undo)
    {
        try
        {
            await undo();
        }
        catch (QmpCommandException e) when (e.Description.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    private static async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception)
        {
            // Best-effort undo; the original error is what the caller sees.
        }
    }
}

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Plugs or unplugs a NIC's virtual cable (QMP set_link when QEMU runs) and keeps it in the spec, so the next
    /// start begins the same way. Device ids follow spec order (net0, net1, ...), which live changes preserve:
    /// hot-plug appends, removal happens only while stopped.
    /// </summary>
    public Task<VmInfo> SetLinkAsync(string mac, bool up, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            VmSpec spec;
            QemuSession? session;
            lock (_gate)
            {
                spec = _spec;
                session = _session;
            }
            var index = spec.Nics.ToList().FindIndex(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                throw NoSuchNic(mac);
            if (session is not null)
            {
                try
                {
                    await session.SetLinkAsync(VmPlanner.NicId(spec.Nics[index].Mac!), up, ct);
                }
                catch (QmpException e)
                {
                    throw new QemuFailedException($"QEMU refused to change the link: {e.Message}", e);
                }
            }
            var nics = spec.Nics.ToList();
            nics[index] = nics[index] with { Link = up };
            SaveSpec(spec with { Nics = nics });
            return Info();
        }, ct);

    private NotFoundException NoSuchNic(string mac) =>
        new("NIC", $"{Name}/{mac}", hint: $"List the NICs of {Name} (by MAC): vireo info {Name}");
}

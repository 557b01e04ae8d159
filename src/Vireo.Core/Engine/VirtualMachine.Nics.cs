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
    /// spare root port) and in the spec; on a stopped VM in the spec only. A failure undoes the live part.
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
            var index = spec.Nics.Count;
            if (session is not null)
            {
                // The planner resolves the network exactly as a start would, and refuses what a start would refuse.
                var plan = _ctx.Planner.Plan(updated, Paths);
                var id = $"net{index}";
                var netdev = plan.Config.Netdevs.Single(n => n.Id == id);
                var port = plan.BridgePorts.FirstOrDefault(p => p.Tap == VmPlanner.TapName(spec.Uuid!, index));
                await session.NetdevAddAsync(netdev.ToJson(), ct);
                try
                {
                    if (port is not null)
                        await Vireo.Host.Network.IpLink.AddToBridgeAsync(port.Tap, port.Bridge, ct);
                    await DeviceAddIntoSparePortAsync(session, spec, plan.Config.Devices.Single(d => d.Id == id), ct);
                    if (!nic.Link)
                        await session.SetLinkAsync(id, up: false, ct);
                }
                catch (Exception e) when (e is QmpException or IOException or VireoException)
                {
                    await TryAsync(() => session.NetdevDelAsync(id, CancellationToken.None));
                    throw e is QmpException q ? new QemuFailedException($"QEMU refused the NIC: {q.Message}", q) : e;
                }
                Log.LogInformation("VM {Name}: NIC {Mac} hot-plugged as {Id}", Name, nic.Mac, id);
            }
            SaveSpec(updated);
            return Info();
        }, ct);

    /// <summary>Removes a stopped VM's NIC (by MAC) from its spec. Live unplug needs the guest's cooperation and is not offered yet.</summary>
    public Task<VmInfo> DetachNicAsync(string mac, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            VmSpec spec;
            bool running;
            lock (_gate)
            {
                spec = _spec;
                running = _session is not null;
            }
            var nic = spec.Nics.FirstOrDefault(n => string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidInputException([new FieldError { Field = "mac", Value = mac, Message = $"is not a NIC of {Name}; `vireo info {Name}` lists them" }]);
            if (running)
                throw new InvalidStateException($"VM \"{Name}\" is running; removing a NIC needs it stopped (vireo shutdown {Name}), then vireo detach-interface again");
            SaveSpec(spec with { Nics = spec.Nics.Where(n => n != nic).ToList() });
            await Task.CompletedTask;
            return Info();
        }, ct);

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

    private void SaveSpec(VmSpec spec)
    {
        _ctx.Store.UpdateSpec(spec.Uuid!, JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec));
        lock (_gate)
            _spec = spec;
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

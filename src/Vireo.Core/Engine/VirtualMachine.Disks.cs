using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Adds a disk (already validated, path and format resolved): on a running or paused VM live (blockdev-add of
    /// its file and format nodes, device_add into a spare root port or onto the SCSI controller), and in the spec.
    /// A failure removes whatever part was added.
    /// </summary>
    public Task<VmInfo> AttachDiskAsync(DiskSpec disk, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            var (spec, session) = SpecAndLiveSession();
            var updated = spec with { Disks = [.. spec.Disks, disk] };
            if (session is not null)
            {
                var bus = disk.Bus ?? "virtio";
                if (bus == "sata")
                    throw InvalidInputException.For("disk", [new FieldError { Field = "disk.bus", Value = bus, Message = "cannot be hot-plugged (SATA/IDE); use virtio or scsi, or attach while the VM is stopped" }]);
                if (bus == "scsi" && !spec.Disks.Any(d => d.Bus == "scsi"))
                    throw InvalidInputException.For("disk", [new FieldError { Field = "disk.bus", Value = bus, Message = $"needs a SCSI controller, which {Name} got none of at start; use virtio, or attach while the VM is stopped" }]);
                var plan = _ctx.Planner.Plan(updated, Paths);
                var ids = VmPlanner.DiskIds(disk, 0);
                var node = plan.Config.BlockNodes.Single(b => b.NodeName == ids.Node);
                var device = plan.Config.Devices.Single(d => d.Id == ids.Device);
                GrantNodeOrThrow(node);
                // Undos are registered before their QMP commands (see AttachNicAsync).
                await using var revert = new Reverter("disk-hotplug", Log);
                revert.Add("give-back", () => GiveBackFiles([node.Path]));
                try
                {
                    revert.Step("blockdev-add");
                    revert.Add("file-node", t => UnlessMissingAsync(() => session.ExecuteAsync(QmpCommands.BlockdevDel(node.ProtocolNodeName), t)));
                    await session.ExecuteAsync(QmpCommands.BlockdevAdd(node.ToProtocolJson()), ct);
                    revert.Add("format-node", t => UnlessMissingAsync(() => session.ExecuteAsync(QmpCommands.BlockdevDel(node.NodeName), t)));
                    await session.ExecuteAsync(QmpCommands.BlockdevAdd(node.ToFormatJson()), ct);
                    Vireo.Host.CrashPoints.Hit("disk-attach.blockdev-added");
                    revert.Step("device-add");
                    // The guest must let go of the disk before its nodes can go: device_del and wait for DEVICE_DELETED.
                    revert.Add("device", t => UnlessMissingAsync(() => UnplugAsync(session, ids.Device, $"the disk {disk.Path}", "PCIe hot-plug", t)));
                    if (device is ScsiHd scsi)
                        await DeviceAddOnFreeLunAsync(session, scsi, ct);
                    else
                        await DeviceAddIntoSparePortAsync(session, spec, device, ct);
                    Vireo.Host.CrashPoints.Hit("disk-attach.device-added");
                    revert.Step("save");
                    SaveSpec(updated);
                    revert.Success();
                }
                catch (QmpException q)
                {
                    throw new QemuFailedException($"QEMU refused the disk: {q.Message}", q);
                }
                Log.LogInformation("VM {Name}: disk {Path} hot-plugged as {Id}", Name, disk.Path, ids.Device);
                return Info();
            }
            SaveSpec(updated);
            return Info();
        }, ct, $"attach-disk {VmPlanner.DiskIds(disk, 0).Device} {VmPlanner.DiskIds(disk, 0).Node}");

    /// <summary>
    /// Removes a disk (found by volume or path): on a running VM live (device_del, DEVICE_DELETED once the guest
    /// let go, then blockdev-del of its nodes, which closes the image), and from the spec. The image stays.
    /// </summary>
    public Task<VmInfo> DetachDiskAsync(string source, CancellationToken ct) =>
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
            var disk = FindDisk(spec, source);
            if (session is not null)
            {
                if (state != VmState.Running)
                    throw new InvalidStateException($"VM \"{Name}\" is {VmStateMachine.Describe(state)}; a disk is unplugged with the guest's help, so it must be running");
                if (VmSpecDefaultsBus(disk) == "sata")
                    throw new InvalidStateException("SATA/IDE disks cannot be unplugged from a running VM; stop it first");
                var ids = VmPlanner.DiskIds(disk, 0);
                try
                {
                    await UnplugAsync(session, ids.Device, $"the disk {source}", "PCIe or SCSI hot-plug", ct);
                    await RemoveNodesAsync(session, ids.Node, ct);
                }
                catch (QmpException e)
                {
                    throw new QemuFailedException($"QEMU refused to unplug the disk: {e.Message}", e);
                }
                Log.LogInformation("VM {Name}: disk {Path} unplugged", Name, disk.Path);
            }
            // The image's file, as QEMU had it (a volume resolves to its path), for the give-back below.
            string? file = disk.Path;
            try
            {
                file = _ctx.Planner.Plan(spec, Paths).Config.BlockNodes.SingleOrDefault(b => b.NodeName == VmPlanner.DiskIds(disk, 0).Node)?.Path ?? file;
            }
            catch (VireoException)
            {
            }
            SaveSpec(spec with { Disks = spec.Disks.Where(d => d != disk).ToList() });
            // Closed by QEMU (or no QEMU): the image goes back to its owner.
            if (file is not null)
                GiveBackFiles([file]);
            return Info();
        }, ct);

    /// <summary>
    /// Puts an ISO into a CD-ROM drive (<paramref name="path"/> non-null) or empties it; live on a running VM
    /// (blockdev-change-medium / forced eject), always in the spec. <paramref name="drive"/> counts CD-ROM drives
    /// from 0 in spec order.
    /// </summary>
    public Task<VmInfo> ChangeMediumAsync(int drive, string? path, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            var (spec, session) = SpecAndLiveSession();
            var cdroms = spec.Disks.Select((d, i) => (Disk: d, Index: i)).Where(x => x.Disk.Device == "cdrom").ToList();
            if (cdroms.Count == 0)
                throw new InvalidStateException($"VM \"{Name}\" has no CD-ROM drive; add one while it is stopped (disks: - device: cdrom)");
            if (drive < 0 || drive >= cdroms.Count)
                throw new NotFoundException("CD-ROM drive", $"{Name}/{drive.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                    hint: $"{Name} has {cdroms.Count} CD-ROM drive{(cdroms.Count == 1 ? "" : "s")} ({(cdroms.Count == 1 ? "0" : $"0..{cdroms.Count - 1}")}); list them: vireo disk list {Name}");
            var (current, index) = cdroms[drive];
            if (session is not null)
            {
                var deviceId = VmPlanner.DiskIds(current, drive).Device;
                try
                {
                    if (path is null)
                        await session.ExecuteAsync(QmpCommands.Eject(deviceId), ct);
                    else
                    {
                        // A user's ISO is not chowned (libvirt chowns and restores it): it must be readable by the group.
                        GrantNodeOrThrow(new BlockNode("cdrom", path, DiskFormat.Raw) { ReadOnly = true });
                        await session.ExecuteAsync(QmpCommands.BlockdevChangeMedium(deviceId, path, "raw"), ct);
                    }
                }
                catch (QmpException e)
                {
                    throw new QemuFailedException($"QEMU refused to change the medium: {e.Message}", e);
                }
                Log.LogInformation("VM {Name}: CD-ROM {Drive} {What}", Name, drive, path is null ? "ejected" : $"now holds {path}");
            }
            var disks = spec.Disks.ToList();
            disks[index] = current with { Path = path, Volume = null, Format = path is null ? null : "raw" };
            SaveSpec(spec with { Disks = disks });
            return Info();
        }, ct);

    /// <summary>
    /// Grows a disk of the running guest through QEMU (<c>block_resize</c> of the node the disk reads, found with
    /// <c>query-block</c>, so it also holds after a snapshot put an overlay on top), as <c>virsh blockresize</c> does:
    /// the guest sees the new capacity at once. <paramref name="size"/> gives the new size, or with
    /// <paramref name="grow"/> how much to add. Shrinking a running guest's disk is refused: the guest may have data
    /// past the new end. Returns the new size in bytes.
    /// </summary>
    public Task<long> ResizeDiskLiveAsync(string source, long size, bool grow, string sizeText, CancellationToken ct) =>
        Serialised(VmAction.ChangeDevices, async () =>
        {
            var (spec, session) = SpecAndLiveSession();
            if (session is null)
                throw new InvalidStateException($"VM \"{Name}\" is no longer running; resize the volume again (a stopped VM's volume is resized offline)");
            var disk = FindDisk(spec, source);
            var device = VmPlanner.DiskIds(disk, 0).Device;
            try
            {
                var blocks = await session.ExecuteAsync(QmpCommands.QueryBlock(), ct);
                // A virtio disk reports its backend's QOM path (/machine/peripheral/ID/virtio-backend), a SCSI one its id.
                var inserted = blocks.FirstOrDefault(b => b.Qdev is { } q && (q == device || q.EndsWith("/" + device, StringComparison.Ordinal) ||
                    q.Contains("/" + device + "/", StringComparison.Ordinal)))?.Inserted;
                if (inserted?.NodeName is not { } node || inserted.Image is not { } image)
                    throw new InvalidStateException($"VM \"{Name}\": QEMU does not report the disk {source} (device {device})");
                var current = image.VirtualSize;
                var target = grow ? checked(current + size) : size;
                if (target < current)
                    throw InvalidInputException.For("volume", [new FieldError
                    {
                        Field = "size",
                        Value = sizeText,
                        Message = $"is smaller than the current {SizeParser.Format(current)}; the disk of running VM {Name} is never shrunk (the guest may use the end)",
                        Hint = $"Shut the VM down first (vireo shutdown {Name}), then shrink the volume with --allow-shrink",
                    }]);
                if (target % 512 != 0)
                    throw InvalidInputException.For("volume", [new FieldError { Field = "size", Value = sizeText, Message = $"gives {target} bytes, which is not a multiple of 512; QEMU resizes a running disk in whole sectors" }]);
                if (target != current)
                {
                    await session.ExecuteAsync(QmpCommands.BlockResize(node, target), ct);
                    Log.LogInformation("VM {Name}: disk {Source} grown live from {Old} to {New} bytes", Name, source, current, target);
                }
                return target;
            }
            catch (QmpException e)
            {
                throw new QemuFailedException($"QEMU refused to resize the disk: {e.Message}", e);
            }
            catch (OverflowException)
            {
                throw InvalidInputException.For("volume", [new FieldError { Field = "size", Value = sizeText, Message = "is too large" }]);
            }
        }, ct);

    /// <summary>A disk of <paramref name="spec"/> by its volume (<c>POOL/NAME</c>) or image path.</summary>
    internal static DiskSpec FindDisk(VmSpec spec, string source)
    {
        var byVolume = spec.Disks.FirstOrDefault(d => d.Device != "cdrom" && d.Volume == source);
        if (byVolume is not null)
            return byVolume;
        if (source.StartsWith('/'))
        {
            var full = Path.GetFullPath(source);
            var byPath = spec.Disks.FirstOrDefault(d => d.Device != "cdrom" && d.Path is { } p && Path.GetFullPath(p) == full);
            if (byPath is not null)
                return byPath;
        }
        throw new NotFoundException("disk", $"{spec.Name}/{source}", hint: $"List the disks of {spec.Name} (by volume or path): vireo disk list {spec.Name}");
    }

    private static string VmSpecDefaultsBus(DiskSpec disk) => Specs.VmSpecDefaults.BusOf(disk);

    /// <summary>The QEMU session while the VM is running or paused, else null.</summary>
    internal QemuSession? LiveSession => SpecAndLiveSession().Session;

    private (VmSpec Spec, QemuSession? Session) SpecAndLiveSession()
    {
        lock (_gate)
            return (_spec, _state is VmState.Running or VmState.Paused ? _session : null);
    }

    private static async Task RemoveNodesAsync(QemuSession session, string nodeName, CancellationToken ct)
    {
        await session.ExecuteAsync(QmpCommands.BlockdevDel(nodeName), ct);
        await session.ExecuteAsync(QmpCommands.BlockdevDel(nodeName + "-file"), ct);
    }

    /// <summary>device_add of a SCSI disk on the first free LUN (a LUN freed by an unplug may sit below others).</summary>
    private static async Task DeviceAddOnFreeLunAsync(QemuSession session, ScsiHd disk, CancellationToken ct)
    {
        QmpCommandException? last = null;
        for (var lun = disk.Lun; lun < disk.Lun + 32; lun++)
        {
            try
            {
                await session.DeviceAddAsync((disk with { Lun = lun }).ToJson(), ct);
                return;
            }
            catch (QmpCommandException e)
            {
                last = e;
            }
        }
        throw new InvalidStateException($"no free LUN on the SCSI controller ({last?.Message})");
    }
}

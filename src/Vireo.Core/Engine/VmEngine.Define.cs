using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// Defines a VM from a YAML or JSON spec. Every problem is reported at once; on any problem nothing is
    /// stored and no file is created.
    /// </summary>
    public async Task<VmInfo> DefineAsync(string specText, CancellationToken ct)
    {
        // Every problem at once: syntax, unknown fields, types and rules in one list.
        // os: fills in the OS's defaults (memory, firmware, buses) for the fields the text leaves out.
        var (parsedSpec, parseErrors) = ParseWithOs(specText);
        if (parsedSpec is null)
            throw InvalidInputException.For("VM spec", parseErrors);

        await _defineLock.WaitAsync(ct);
        try
        {
            // Completing fills in the image's boot files, the UUID and MACs; check the result once more.
            var spec = ResolveVolumes(Complete(parsedSpec));
            var errors = VmSpecValidator.Validate(spec, HostLimits()).Concat(CheckNics(spec)).Concat(CheckDiskOwners(spec)).ToList();
            if (errors.Count > 0)
                throw InvalidInputException.For("VM spec", errors);
            if (_vms.ContainsKey(spec.Name))
                throw new AlreadyExistsException($"a VM named \"{spec.Name}\" already exists")
                {
                    Hint = $"Choose another name, or remove that VM first: vireo undefine {spec.Name}",
                };
            if (_vms.Values.Any(v => string.Equals(v.Uuid, spec.Uuid, StringComparison.OrdinalIgnoreCase)))
                throw new AlreadyExistsException($"a VM with uuid {spec.Uuid} already exists") { Hint = "Remove uuid from the spec to get a new one" };

            var record = NewRecord(spec);
            using var intent = new Operations.OperationJournal(_ctx.Store).Begin("define", spec.Name, spec.Uuid);
            Vireo.Host.CrashPoints.Hit("define.validated");
            try
            {
                _ctx.Store.InsertVm(record);
            }
            catch (DuplicateVmException e)
            {
                throw new AlreadyExistsException($"a VM with {e.Field} \"{e.Value}\" already exists");
            }
            var vm = new VirtualMachine(_ctx, spec, VmState.Stopped, null, record.DefinedAt);
            _vms[spec.Name] = vm;
            Vireo.Host.CrashPoints.Hit("define.inserted");
            Log.LogInformation("VM {Name}: defined ({Uuid})", spec.Name, spec.Uuid);
            Events.Publish(new VireoEvent { Type = EventTypes.VmDefined, Vm = spec.Name, State = "stopped" });
            await NetworksFollowAsync(ct);
            return vm.Info();
        }
        finally
        {
            _defineLock.Release();
        }
    }

    /// <summary>Removes a stopped VM's definition and its files (serial log included); its volumes stay.</summary>
    public Task<UndefineResult> UndefineAsync(string name, CancellationToken ct) => UndefineAsync(name, false, ct);

    /// <summary>
    /// Removes a stopped VM's definition and its files (serial log included); with <paramref name="removeAllStorage"/>
    /// also its own volumes (see <see cref="Storage.StorageService.PlanRemoval"/>), after the definition, so that
    /// an interruption leaves at most volumes that no VM uses, never a VM without its disks.
    /// </summary>
    public async Task<UndefineResult> UndefineAsync(string name, bool removeAllStorage, CancellationToken ct)
    {
        var vm = Find(name);
        Storage.StorageRemovalPlan? removal = null;
        await _defineLock.WaitAsync(ct);
        try
        {
            await vm.UndefineAsync(() =>
            {
                if (removeAllStorage)
                    removal = Storage.PlanRemoval(vm.Spec);
                _ctx.Store.DeleteVm(vm.Uuid);
                _vms.TryRemove(new KeyValuePair<string, VirtualMachine>(vm.Name, vm));
            }, ct);
            Events.Publish(new VireoEvent { Type = EventTypes.VmUndefined, Vm = vm.Name });
            try
            {
                if (Directory.Exists(vm.Paths.Dir))
                    Directory.Delete(vm.Paths.Dir, recursive: true);
            }
            catch (IOException e)
            {
                Log.LogWarning("VM {Name}: cannot remove {Dir}: {Error}", name, vm.Paths.Dir, e.Message);
            }
            Log.LogInformation("VM {Name}: undefined", name);
            await _networks.VmRemovedAsync(name, ct);
            if (removal is null)
                return new UndefineResult { Name = name, State = VmState.Stopped, Message = "undefined" };
            var removed = await Storage.RemoveOwnAsync(removal.Own);
            var storage = removed.Concat(removal.Kept).ToList();
            Log.LogInformation("VM {Name}: storage removed: {Removed}; kept: {Kept}", name,
                string.Join(", ", storage.Where(s => s.Removed).Select(s => s.Volume)), string.Join(", ", storage.Where(s => !s.Removed).Select(s => s.Volume ?? s.Path)));
            var count = storage.Count(s => s.Removed);
            return new UndefineResult
            {
                Name = name,
                State = VmState.Stopped,
                Message = $"undefined; {count} volume{(count == 1 ? "" : "s")} removed, {storage.Count - count} kept",
                Storage = storage,
            };
        }
        finally
        {
            _defineLock.Release();
        }
    }

    /// <summary>Adds a NIC (live when the VM runs); its MAC is generated when absent and must be unique on the host.</summary>
    public async Task<VmInfo> AttachNicAsync(string name, NicSpec nic, CancellationToken ct)
    {
        var vm = Find(name);
        VmInfo info;
        await _defineLock.WaitAsync(ct);
        try
        {
            var used = _vms.Values.SelectMany(v => v.Spec.Nics).Select(n => n.Mac).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
            var mac = nic.Mac?.ToLowerInvariant();
            while (mac is null || (nic.Mac is null && used.Contains(mac)))
                mac = MacAddresses.Generate();
            nic = nic with { Mac = mac };
            var candidate = vm.Spec with { Nics = [.. vm.Spec.Nics, nic] };
            var errors = VmSpecValidator.Validate(candidate, HostLimits()).Concat(CheckNics(candidate))
                .Select(e => e.Field.StartsWith($"nics[{candidate.Nics.Count - 1}]", StringComparison.Ordinal) ? e with { Field = "nic" + e.Field[e.Field.IndexOf(']', StringComparison.Ordinal)..].TrimStart(']') } : e)
                .ToList();
            if (used.Contains(mac) && nic.Mac is not null)
                errors.Add(new FieldError { Field = "nic.mac", Value = mac, Message = "is already used by another NIC on this host" });
            if (errors.Count > 0)
                throw InvalidInputException.For("NIC", errors);
            info = await vm.AttachNicAsync(nic, ct);
        }
        finally
        {
            _defineLock.Release();
        }
        await NetworksFollowAsync(ct);
        return info;
    }

    /// <summary>Link up or down on a NIC (found by MAC), live when the VM runs.</summary>
    public Task<VmInfo> SetLinkAsync(string name, string mac, bool up, CancellationToken ct) => Find(name).SetLinkAsync(mac, up, ct);

    /// <summary>Removes a stopped VM's NIC, found by MAC.</summary>
    public async Task<VmInfo> DetachNicAsync(string name, string mac, CancellationToken ct)
    {
        var info = await Find(name).DetachNicAsync(mac, ct);
        await NetworksFollowAsync(ct);
        return info;
    }

    /// <summary>NICs must name networks that exist and MACs no other VM uses.</summary>
    private List<FieldError> CheckNics(VmSpec spec)
    {
        var errors = new List<FieldError>();
        var others = _vms.Values.Where(v => v.Name != spec.Name).SelectMany(v => v.Spec.Nics.Select(n => (Vm: v.Name, n.Mac))).ToList();
        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            if (nic.Type == "network" && nic.Network is { } network && !_networks.Exists(network))
                errors.Add(_networks.MissingNetwork($"nics[{i}].network", network));
            if (nic.Mac is { } mac && others.FirstOrDefault(o => string.Equals(o.Mac, mac, StringComparison.OrdinalIgnoreCase)) is { Vm: { } owner })
                errors.Add(new FieldError { Field = $"nics[{i}].mac", Value = mac, Message = $"is already used by VM \"{owner}\"; two NICs with one MAC break both. Leave mac out to get a new one" });
        }
        return errors;
    }

    /// <summary>DHCP host entries follow the set of VMs; a failure there must not fail the define.</summary>
    private async Task NetworksFollowAsync(CancellationToken ct)
    {
        try
        {
            await _networks.VmsChangedAsync(ct);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or VireoException)
        {
            Log.LogWarning("refreshing DHCP host entries failed: {Error}", e.Message);
        }
    }

    /// <summary>Fills what the user may leave out: UUID, image boot files, MAC addresses.</summary>
    private VmSpec Complete(VmSpec spec)
    {
        if (spec.Image is { } named)
            Images.CheckKnown(named);
        if (spec.Image is { } disk && Images.IsDiskImage(disk))
        {
            // A disk image: the VM's disks are volumes made from it (vireo create --image); nothing to fill in.
        }
        else if (spec.Image is { } imageName && spec.Boot.Kernel is null && spec.Boot.Order.Count == 0)
        {
            var image = _images.Resolve(imageName);
            spec = spec with
            {
                Boot = spec.Boot with
                {
                    Kernel = image.Kernel,
                    Initrd = image.Initrd,
                    Cmdline = spec.Boot.Cmdline ?? $"{image.Cmdline} {KernelCmdline.HostnameFor(spec.Name)}",
                },
            };
        }
        else if (spec.Image is { } other)
        {
            _images.Resolve(other);
        }

        var usedMacs = new HashSet<string>(
            _vms.Values.SelectMany(v => v.Spec.Nics).Select(n => n.Mac).OfType<string>(), StringComparer.OrdinalIgnoreCase);
        foreach (var nic in spec.Nics)
            if (nic.Mac is not null)
                usedMacs.Add(nic.Mac);
        var nics = spec.Nics.Select(nic =>
        {
            if (nic.Mac is not null)
                return nic;
            string mac;
            do
                mac = MacAddresses.Generate();
            while (!usedMacs.Add(mac));
            return nic with { Mac = mac };
        }).ToList();

        return spec with
        {
            Uuid = (spec.Uuid ?? Guid.NewGuid().ToString()).ToLowerInvariant(),
            Nics = nics,
        };
    }

    private HostLimits HostLimits()
    {
        var facts = Vireo.Host.HostFacts.ReadThisHost();
        return new HostLimits
        {
            HostCpus = facts.LogicalCpus,
            HostMemoryMiB = facts.MemTotalMiB,
            FileExists = File.Exists,
            KvmAvailable = _ctx.Planner.Accel.Usable,
            KvmRequestable = _ctx.Planner.Accel.Requestable,
            UefiMissing = _ctx.Planner.UefiMissing,
        };
    }

    /// <summary>Facts about this daemon and host for `vireo version` and `GET /v1/host`.</summary>
    public async Task<HostInfo> HostInfoAsync(string version, CancellationToken ct)
    {
        var facts = Vireo.Host.HostFacts.ReadThisHost();
        var caps = await Vireo.Qemu.QemuProbe.ProbeAsync(_ctx.Emulator, ct);
        var accel = _ctx.Planner.Accel;
        return new HostInfo
        {
            Version = version,
            Hostname = Environment.MachineName,
            Emulator = _ctx.Emulator,
            QemuVersion = caps.Version.ToString(),
            Accel = accel.Usable ? "kvm" : "tcg",
            AccelWarning = _ctx.Planner.AccelWarningFor(accel.Usable ? "kvm" : "tcg"),
            StateDir = _ctx.Paths.Root,
            HostCpus = facts.LogicalCpus,
            HostMemory = facts.MemTotalMiB,
            Vms = _vms.Count,
            ActiveVms = _vms.Values.Count(v => v.HasProcess),
            Images = Images.List(),
            Daemon = DaemonProcess(),
        };
    }

    /// <summary>This process's memory, managed heap, descriptors and threads.</summary>
    private static DaemonProcessInfo DaemonProcess()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        int fds;
        try
        {
            fds = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            fds = -1;
        }
        return new DaemonProcessInfo
        {
            Pid = Environment.ProcessId,
            RssBytes = self.WorkingSet64,
            ManagedHeapBytes = GC.GetGCMemoryInfo().HeapSizeBytes,
            OpenFds = fds,
            Threads = self.Threads.Count,
        };
    }

    /// <summary>The store row of a newly defined VM (define, clone): stopped, defined now.</summary>
    private static VmRecord NewRecord(VmSpec spec)
    {
        var now = DateTimeOffset.UtcNow;
        return new VmRecord
        {
            Uuid = spec.Uuid!,
            Name = spec.Name,
            SpecJson = JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec),
            State = VmStateMachine.Describe(VmState.Stopped),
            DefinedAt = now,
            UpdatedAt = now,
        };
    }
}

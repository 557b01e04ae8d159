using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Core.Storage;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// A clone of a UEFI VM starts with a copy of the source's variable store (its boot entries), as virt-clone
    /// copies the NVRAM; a source never started has none, and the clone then gets the template at its first start.
    /// </summary>
    private void CopyUefiVars(VirtualMachine source, string cloneUuid)
    {
        if (source.Spec.Boot.Firmware != "uefi" || !File.Exists(source.Paths.UefiVars))
            return;
        CopyUefiVarsTo(source, cloneUuid);
    }

    private void CopyUefiVarsTo(VirtualMachine source, string cloneUuid)
    {
        var to = Paths.ForVm(cloneUuid);
        Directory.CreateDirectory(to.Dir);
        UefiVars.CopyAtomic(source.Paths.UefiVars, to.UefiVars);
    }

    /// <summary>The undo of a clone's state directory made before its row (a linked clone's UEFI variables).</summary>
    private void DeleteVmDir(string uuid)
    {
        var dir = Paths.ForVm(uuid).Dir;
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }

    /// <summary>One disk of a clone: copied, overlaid on its source volume, or shared as it is (read-only media).</summary>
    private sealed record CloneDisk(int Index, DiskSpec Source, string? Target, CloneDiskKind Kind);

    private enum CloneDiskKind { Share, Overlay, CopyVolume, ImportPath }

    /// <summary>
    /// Starts <c>vireo clone</c> as an operation; the request is checked first (bad input, a running source, or a
    /// linked clone of a volume with snapshots throws, and nothing starts). Its result is a <see cref="CloneResult"/>.
    /// </summary>
    public async Task<OperationInfo> StartCloneAsync(string source, CloneRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var plan = PlanClone(source, request);
        IReadOnlyList<CloneBase> healed = [];
        if (request.Linked)
        {
            healed = await HealLegacyLinksAsync(Find(source), ct);
            await Storage.CheckLinkAsync(source, LinkRequests(plan), ct);
        }
        return Operations.Start("vm-clone", source, async (progress, token) =>
            JsonSerializer.SerializeToNode(WithHealed(await RunCloneAsync(source, request, progress, token), healed), VireoJsonContext.Default.CloneResult));
    }

    /// <summary>
    /// Clones a stopped VM: a new name, UUID, MACs and hostname, and new volumes for its writable disks: full copies,
    /// or with <see cref="CloneRequest.Linked"/> qcow2 overlays on read-only bases that the source's volumes become
    /// (the source keeps its volume names, as overlays on the same bases, and keeps working). Read-only disks and
    /// CD-ROMs are shared. A failure removes every volume it made and puts the source's volumes back as they were.
    /// </summary>
    public async Task<CloneResult> CloneAsync(string source, CloneRequest request, IProgress<double>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        PlanClone(source, request);
        var healed = request.Linked ? await HealLegacyLinksAsync(Find(source), ct) : [];
        return WithHealed(await RunCloneAsync(source, request, progress, ct), healed);
    }

    /// <summary>A base made just before the clone (from an older Vireo's layout) was made for it, not reused.</summary>
    private static CloneResult WithHealed(CloneResult result, IReadOnlyList<CloneBase> healed) => healed.Count == 0 ? result : result with
    {
        Bases = result.Bases.Select(b => healed.Any(h => h.Base == b.Base) ? b with { Reused = false } : b).ToList(),
    };

    /// <summary>
    /// Turns each writable volume of the stopped <paramref name="vm"/> on which linked clones of an older Vireo sit
    /// directly (the VM could not write it) into a read-only base under a fresh overlay, the way a linked clone
    /// does, crash-safe (journal, hard link, overlay renamed over the name) and one volume per transaction; the
    /// volumes on it are pointed to the base. Nothing to do for most VMs. Throws, with nothing changed, while the
    /// volume holds internal snapshots or a VM reading it runs.
    /// </summary>
    internal async Task<IReadOnlyList<CloneBase>> HealLegacyLinksAsync(VirtualMachine vm, CancellationToken ct)
    {
        if (Storage is null || Storage.LegacyLinkedVolumes(vm.Spec).Count == 0)
            return [];
        await _defineLock.WaitAsync(ct);
        try
        {
            return await vm.ExclusiveAsync(VmAction.Clone, async () =>
            {
                var made = new List<CloneBase>();
                foreach (var volume in Storage.LegacyLinkedVolumes(vm.Spec))
                {
                    await using var revert = new Reverter("link-heal", Log);
                    var plan = await Storage.PlanHealAsync(vm.Name, volume, ct);
                    // The plan is journalled: its undo puts every file back, here or in the next vireod after a kill.
                    revert.Add("link", _ => Storage.RollbackLinkAsync(plan));
                    var spec = vm.Spec;
                    VmSpec? changed = plan.FormatChanges.Count == 0 ? null : spec with
                    {
                        Disks = spec.Disks.Select(d => d.Volume is { } v && plan.FormatChanges.Contains(v) ? d with { Format = "qcow2" } : d).ToList(),
                    };
                    revert.Step("files");
                    await Storage.MakeLinkFilesAsync(plan, ct);
                    revert.Step("commit");
                    Storage.CommitLink(plan, changed is null ? [] : [new VmSpecUpdate(spec.Uuid!, JsonSerializer.Serialize(changed, VireoJsonContext.Default.VmSpec))], null);
                    revert.Success();
                    if (changed is not null)
                        vm.TakeStoredSpec(changed);
                    made.AddRange(plan.Bases);
                    Log.LogWarning("VM {Name}: volume {Volume} had linked clones of an older Vireo layered directly on it; it is now an empty overlay on the read-only base {Base}, which holds its data and which they read",
                        vm.Name, volume, plan.Bases[0].Base);
                }
                return (IReadOnlyList<CloneBase>)made;
            }, ct, "heal");
        }
        finally
        {
            _defineLock.Release();
        }
    }

    /// <summary>What <see cref="HealLegacyLinksAsync"/> did, for the operator.</summary>
    internal static string? HealedText(IReadOnlyList<CloneBase> healed) => healed.Count == 0 ? null : string.Join("; ", healed.Select(b =>
        $"{b.Source} (linked clones of an older Vireo sat on it) is now an empty overlay on the new read-only base {b.Base}, which holds its data"));

    /// <summary>At vireod start: heals every stopped VM (see <see cref="HealLegacyLinksAsync"/>); a refusal is logged with its fix.</summary>
    private async Task HealLegacyLinksAtStartAsync(CancellationToken ct)
    {
        foreach (var vm in _vms.Values.Where(v => !v.HasProcess).OrderBy(v => v.Name, StringComparer.Ordinal).ToList())
        {
            try
            {
                await HealLegacyLinksAsync(vm, ct);
            }
            catch (VireoException e)
            {
                Log.LogWarning("VM {Name}: {Error} ({Hint})", vm.Name, e.Message, e.Hint);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.LogError(e, "VM {Name}: cannot turn the volumes under its older linked clones into bases", vm.Name);
            }
        }
    }

    private Task<CloneResult> RunCloneAsync(string source, CloneRequest request, IProgress<double>? progress, CancellationToken ct) =>
        request.Linked ? RunLinkedCloneAsync(source, request, progress, ct) : RunFullCloneAsync(source, request, PlanClone(source, request), progress, ct);

    private static List<LinkRequest> LinkRequests(List<CloneDisk> plan) =>
        plan.Where(d => d.Kind == CloneDiskKind.Overlay).Select(d => new LinkRequest(d.Source.Volume!, d.Target!)).ToList();

    private List<CloneDisk> PlanClone(string source, CloneRequest request)
    {
        var vm = Find(source);
        if (vm.HasProcess)
            throw new InvalidStateException($"VM \"{source}\" is {VmStateMachine.Describe(vm.State)}; a clone copies its disks, which must not change meanwhile")
            {
                Hint = $"Shut it down first: vireo shutdown {source}",
            };
        var errors = new List<FieldError>();
        if (VmNameRules.Validate(request.Name) is { } nameProblem)
            errors.Add(new FieldError { Field = "name", Value = request.Name, Message = nameProblem });
        if (request.Pool is { } pool && !Storage.ListPools().Any(p => p.Name == pool))
            errors.Add(new FieldError { Field = "pool", Value = pool, Message = "is not a storage pool", Hint = "List the pools: vireo pool list" });

        var plan = new List<CloneDisk>();
        var spec = vm.Spec;
        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            var field = SpecFields.Index("disks", i);
            if (disk.Device == "cdrom" || disk.Readonly || disk.Path is null)
            {
                plan.Add(new CloneDisk(i, disk, null, CloneDiskKind.Share));
                continue;
            }
            if (disk.Volume is { } volume)
            {
                var (sourcePool, sourceName) = VolumeReference.Split(volume);
                var target = $"{request.Pool ?? sourcePool}/{CloneVolumeName(sourceName, source, request.Name)}";
                plan.Add(new CloneDisk(i, disk, target, request.Linked ? CloneDiskKind.Overlay : CloneDiskKind.CopyVolume));
            }
            else if (request.Linked)
            {
                errors.Add(new FieldError
                {
                    Field = field,
                    Value = disk.Path,
                    Message = "is an image outside the storage pools; a linked clone needs a volume as its base",
                    Hint = $"Import it first and use the volume as the disk: vireo vol import POOL/NAME --from {disk.Path} --source-format {disk.Format ?? "FORMAT"}",
                });
            }
            else
            {
                var suffix = disk.Format == "qcow2" ? "qcow2" : "raw";
                plan.Add(new CloneDisk(i, disk, $"{request.Pool ?? "default"}/{request.Name}-disk{i}.{suffix}", CloneDiskKind.ImportPath));
            }
        }
        if (errors.Count > 0)
            throw InvalidInputException.For("clone", errors);
        // What the clone would create already exists: a conflict (exit 4), as for any create.
        if (_vms.ContainsKey(request.Name))
            throw new AlreadyExistsException($"a VM named \"{request.Name}\" already exists")
            {
                Hint = $"Choose another name, or remove that VM first: vireo undefine {request.Name}",
            };
        foreach (var target in plan.Where(d => d.Target is not null))
        {
            try
            {
                Storage.Resolve(target.Target!, "target");
            }
            catch (InvalidInputException)
            {
                continue; // Free: the volume does not exist yet.
            }
            throw new AlreadyExistsException($"volume \"{target.Target}\" already exists; disk {target.Index} of the clone would be made there")
            {
                Hint = $"Clone under another name, or delete that volume first: vireo vol delete {target.Target}",
            };
        }
        return plan;
    }

    /// <summary>
    /// The clone's definition: the source's, under a new name, with no UUID and MACs yet (Complete makes new ones),
    /// the hostname following the name, and no fixed VNC port (two VMs cannot listen on one; null picks the first
    /// free display, as virt-clone switches to autoport). Disk serial numbers stay: a guest sees only its own disks,
    /// and its fstab may name them (/dev/disk/by-id/virtio-SERIAL).
    /// </summary>
    internal static VmSpec CloneSpec(VmSpec source, string name, List<DiskSpec> disks) => source with
    {
        Name = name,
        Uuid = null,
        Disks = disks,
        Nics = source.Nics.Select(n => n with { Mac = null }).ToList(),
        Autostart = false,
        Boot = source.Boot with { Cmdline = KernelCmdline.FollowName(source.Boot.Cmdline, source.Name, name) },
        Graphics = source.Graphics with { Port = null },
    };

    /// <summary>The source's settings that the clone does not keep although its spec has them (for the operator).</summary>
    internal static IReadOnlyList<string> CloneNotes(VmSpec source) => source.Graphics.Port is { } port
        ? [$"graphics.port {port} was not kept: two VMs cannot listen on one VNC port, so the clone takes the first free display (give it another fixed port in its spec if it needs one)."]
        : [];

    /// <summary>
    /// A linked clone, all under the define lock and the source VM's operation lock (it stays stopped throughout):
    /// the storage is planned and journalled, the clone's definition completed and checked, then the files are put
    /// in place and everything is recorded in one transaction (bases, overlays, both VMs). A failure before that
    /// transaction puts every file back; so does a vireod restarted after a kill.
    /// </summary>
    private async Task<CloneResult> RunLinkedCloneAsync(string source, CloneRequest request, IProgress<double>? progress, CancellationToken ct)
    {
        await _defineLock.WaitAsync(ct);
        try
        {
            var vm = Find(source);
            var (result, clone, sourceSpec) = await vm.ExclusiveAsync(VmAction.Clone, async () =>
            {
                var plan = PlanClone(source, request);
                var spec = vm.Spec;
                // One undo stack: the plan is journalled (a killed vireod's successor undoes its files at start), and
                // its undo, registered before any file changes, puts every file back and releases the names.
                await using var revert = new Reverter("clone-linked", Log);
                revert.Step("plan");
                var link = await Storage.PlanLinkAsync(source, LinkRequests(plan), ct);
                revert.Add("link", _ => Storage.RollbackLinkAsync(link));
                revert.Step("check");
                var disks = spec.Disks.ToList();
                foreach (var d in plan.Where(d => d.Kind == CloneDiskKind.Overlay))
                    disks[d.Index] = d.Source with { Volume = d.Target, Path = link.TargetPath(d.Target!), Format = "qcow2" };
                var cloneSpec = Complete(CloneSpec(spec, request.Name, disks));
                var newFiles = plan.Where(d => d.Kind == CloneDiskKind.Overlay).Select(d => link.TargetPath(d.Target!)).ToHashSet(StringComparer.Ordinal);
                var limits = HostLimits() with { FileExists = p => newFiles.Contains(p) || File.Exists(p) };
                var errors = VmSpecValidator.Validate(cloneSpec, limits).Concat(CheckNics(cloneSpec)).Concat(CheckDiskOwners(cloneSpec)).ToList();
                if (errors.Count > 0)
                    throw InvalidInputException.For("clone", errors);

                // A raw volume's data moves into a raw base; the VM then writes a qcow2 overlay under the same name.
                VmSpec? changedSource = null;
                if (link.FormatChanges.Count > 0)
                    changedSource = spec with
                    {
                        Disks = spec.Disks.Select(d => d.Volume is { } v && link.FormatChanges.Contains(v) ? d with { Format = "qcow2" } : d).ToList(),
                    };

                revert.Step("files");
                await Storage.MakeLinkFilesAsync(link, ct);
                Vireo.Host.CrashPoints.Hit("clone-linked.files-made");
                // The clone's UEFI variables before the commit, so that the commit is the last step (nothing after it
                // can fail and leave a recorded clone without them).
                revert.Step("uefi-vars");
                revert.Add("uefi-vars", () => DeleteVmDir(cloneSpec.Uuid!));
                if (vm.Spec.Boot.Firmware == "uefi" && File.Exists(vm.Paths.UefiVars))
                    CopyUefiVarsTo(vm, cloneSpec.Uuid!);
                var record = NewRecord(cloneSpec);
                var updates = changedSource is null ? [] : new[] { new VmSpecUpdate(spec.Uuid!, JsonSerializer.Serialize(changedSource, VireoJsonContext.Default.VmSpec)) };
                revert.Step("commit");
                try
                {
                    Storage.CommitLink(link, updates, record);
                }
                catch (DuplicateVmException e)
                {
                    throw new AlreadyExistsException($"a VM with {e.Field} \"{e.Value}\" already exists");
                }
                revert.Success();
                var cloned = new VirtualMachine(_ctx, cloneSpec, VmState.Stopped, null, record.DefinedAt);
                var result = new CloneResult
                {
                    Vm = cloned.Info(),
                    Source = source,
                    Linked = true,
                    Disks = plan.Select(d => d.Kind == CloneDiskKind.Overlay
                        ? new ClonedDisk { Index = d.Index, How = "overlay", Source = d.Source.Volume, Volume = d.Target, Backing = link.BackingOf(d.Target!) }
                        : Shared(d)).ToList(),
                    Bases = link.Bases,
                    Notes = CloneNotes(spec),
                };
                return (result, cloned, changedSource);
            }, ct, $"linked {request.Name}");
            if (sourceSpec is not null)
                vm.TakeStoredSpec(sourceSpec);
            _vms[clone.Name] = clone;
            Events.Publish(new VireoEvent { Type = EventTypes.VmDefined, Vm = clone.Name, State = "stopped", Message = $"linked clone of \"{source}\"" });
            Log.LogInformation("VM {Source}: linked clone {Name}; bases: {Bases}", source, clone.Name,
                string.Join(", ", result.Bases.Select(b => $"{b.Base}{(b.Reused ? " (reused)" : $" (from {b.Source})")}")));
            await NetworksFollowAsync(ct);
            progress?.Report(1);
            return result with { Vm = clone.Info() };
        }
        finally
        {
            _defineLock.Release();
        }
    }

    private static ClonedDisk Shared(CloneDisk d) => new() { Index = d.Index, How = "shared", Source = d.Source.Volume ?? d.Source.Path };

    private async Task<CloneResult> RunFullCloneAsync(string source, CloneRequest request, List<CloneDisk> plan, IProgress<double>? progress, CancellationToken ct)
    {
        var vm = Find(source);
        var created = new List<string>();
        // A kill -9 between the copies and the new VM's row would leave volumes nobody owns: the journal names them.
        using var intent = new Operations.OperationJournal(_ctx.Store).Begin("clone", request.Name,
            string.Join(' ', plan.Where(d => d.Kind is CloneDiskKind.CopyVolume or CloneDiskKind.ImportPath).Select(d => d.Target)));
        var copies = plan.Count(d => d.Kind is CloneDiskKind.CopyVolume or CloneDiskKind.ImportPath);
        var done = 0;
        IProgress<double>? Slice() => progress is null || copies == 0 ? null
            : new Progress<double>(f => progress.Report((done + Math.Clamp(f, 0, 1)) / copies));
        // Each new volume, and then the definition, registers its undo: a failure or cancellation at any step
        // leaves neither copies nor a half-made VM.
        await using var revert = new Reverter("clone", Log);
        {
            var disks = vm.Spec.Disks.ToList();
            foreach (var disk in plan)
            {
                switch (disk.Kind)
                {
                    case CloneDiskKind.CopyVolume:
                        revert.Step("copy-volume");
                        await Storage.CopyAsync(disk.Source.Volume!, disk.Target!, Slice(), ct);
                        done++;
                        break;
                    case CloneDiskKind.ImportPath:
                        revert.Step("copy-volume");
                        await Storage.ImportAsync(disk.Target!, new VolumeImportRequest { From = disk.Source.Path!, SourceFormat = disk.Source.Format!, Format = disk.Source.Format }, Slice(), ct);
                        done++;
                        break;
                    default:
                        continue;
                }
                created.Add(disk.Target!);
                var target = disk.Target!;
                revert.Add("volume " + target, _ => Storage.DeleteAsync(target, CancellationToken.None));
                disks[disk.Index] = disk.Source with { Volume = disk.Target, Path = null, Format = null };
                Vireo.Host.CrashPoints.Hit("clone.volume-copied");
            }
            revert.Step("define");
            var info = await DefineAsync(JsonSerializer.Serialize(CloneSpec(vm.Spec, request.Name, disks), VireoJsonContext.Default.VmSpec), ct);
            revert.Add("definition", t => UndefineAsync(request.Name, t));
            revert.Step("uefi-vars");
            Vireo.Host.CrashPoints.Hit("clone.defined");
            CopyUefiVars(vm, info.Uuid);
            revert.Success();
            Log.LogInformation("VM {Source}: cloned as {Name} (full, {Count} new volumes)", source, request.Name, created.Count);
            progress?.Report(1);
            return new CloneResult
            {
                Vm = info,
                Source = source,
                Linked = false,
                Disks = plan.Select(d => d.Target is null ? Shared(d)
                    : new ClonedDisk { Index = d.Index, How = "copied", Source = d.Source.Volume ?? d.Source.Path, Volume = d.Target }).ToList(),
                Notes = CloneNotes(vm.Spec),
            };
        }
    }

    /// <summary><c>web1-root.qcow2</c> cloned from web1 as web2 becomes <c>web2-root.qcow2</c>; other names get a prefix.</summary>
    internal static string CloneVolumeName(string volumeName, string sourceVm, string targetVm) =>
        volumeName.StartsWith(sourceVm, StringComparison.Ordinal) && volumeName.Length > sourceVm.Length && volumeName[sourceVm.Length] is '-' or '.' or '_'
            ? targetVm + volumeName[sourceVm.Length..]
            : $"{targetVm}-{volumeName}";
}

using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>One disk of a clone: copied, overlaid on its source volume, or shared as it is (read-only media).</summary>
    private sealed record CloneDisk(int Index, DiskSpec Source, string? Target, CloneDiskKind Kind);

    private enum CloneDiskKind { Share, Overlay, CopyVolume, ImportPath }

    /// <summary>Starts <c>vireo clone</c> as an operation; the request is checked first (bad input throws, nothing starts).</summary>
    public OperationInfo StartClone(string source, CloneRequest request)
    {
        var plan = PlanClone(source, request);
        return Operations.Start("vm-clone", source, async (progress, ct) =>
            JsonSerializer.SerializeToNode(await RunCloneAsync(source, request, plan, progress, ct), VireoJsonContext.Default.VmInfo));
    }

    /// <summary>
    /// Clones a stopped VM: a new name, UUID and MACs, and new volumes for its writable disks (full copies, or qcow2
    /// overlays with <see cref="CloneRequest.Linked"/>); read-only disks and CD-ROMs are shared. A failure removes
    /// every volume it made.
    /// </summary>
    public Task<VmInfo> CloneAsync(string source, CloneRequest request, IProgress<double>? progress, CancellationToken ct) =>
        RunCloneAsync(source, request, PlanClone(source, request), progress, ct);

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

    private async Task<VmInfo> RunCloneAsync(string source, CloneRequest request, List<CloneDisk> plan, IProgress<double>? progress, CancellationToken ct)
    {
        var vm = Find(source);
        var created = new List<string>();
        var copies = plan.Count(d => d.Kind is CloneDiskKind.CopyVolume or CloneDiskKind.ImportPath);
        var done = 0;
        IProgress<double>? Slice() => progress is null || copies == 0 ? null
            : new Progress<double>(f => progress.Report((done + Math.Clamp(f, 0, 1)) / copies));
        try
        {
            var disks = vm.Spec.Disks.ToList();
            foreach (var disk in plan)
            {
                switch (disk.Kind)
                {
                    case CloneDiskKind.Overlay:
                        await Storage.CreateOverlayAsync(disk.Target!, disk.Source.Volume!, ct);
                        break;
                    case CloneDiskKind.CopyVolume:
                        await Storage.CopyAsync(disk.Source.Volume!, disk.Target!, Slice(), ct);
                        done++;
                        break;
                    case CloneDiskKind.ImportPath:
                        await Storage.ImportAsync(disk.Target!, new VolumeImportRequest { From = disk.Source.Path!, SourceFormat = disk.Source.Format!, Format = disk.Source.Format }, Slice(), ct);
                        done++;
                        break;
                    default:
                        continue;
                }
                created.Add(disk.Target!);
                disks[disk.Index] = disk.Source with { Volume = disk.Target, Path = null, Format = null };
            }
            var spec = vm.Spec with
            {
                Name = request.Name,
                Uuid = null,
                Disks = disks,
                Nics = vm.Spec.Nics.Select(n => n with { Mac = null }).ToList(),
                Autostart = false,
                Description = vm.Spec.Description,
            };
            var info = await DefineAsync(JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec), ct);
            Log.LogInformation("VM {Source}: cloned as {Name} ({Kind}, {Count} new volumes)", source, request.Name, request.Linked ? "linked" : "full", created.Count);
            progress?.Report(1);
            return info;
        }
        catch
        {
            foreach (var volume in created.AsEnumerable().Reverse())
            {
                try
                {
                    await Storage.DeleteAsync(volume, CancellationToken.None);
                }
                catch (Exception e)
                {
                    Log.LogWarning("clone of {Source}: cannot remove volume {Volume} after a failure: {Error}", source, volume, e.Message);
                }
            }
            throw;
        }
    }

    /// <summary><c>web1-root.qcow2</c> cloned from web1 as web2 becomes <c>web2-root.qcow2</c>; other names get a prefix.</summary>
    internal static string CloneVolumeName(string volumeName, string sourceVm, string targetVm) =>
        volumeName.StartsWith(sourceVm, StringComparison.Ordinal) && volumeName.Length > sourceVm.Length && volumeName[sourceVm.Length] is '-' or '.' or '_'
            ? targetVm + volumeName[sourceVm.Length..]
            : $"{targetVm}-{volumeName}";
}

using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Core.Storage;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>Resolves <c>POOL/NAME</c> to its file; set once storage pools are available.</summary>
    private Func<string, string, ResolvedVolume>? _resolveVolume;

    /// <summary>Makes <c>volume: POOL/NAME</c> disks resolvable (the storage service's resolver).</summary>
    internal void UseVolumeResolver(Func<string, string, ResolvedVolume> resolve) => _resolveVolume = resolve;

    /// <summary>
    /// Adds a disk to a VM, live when it runs. The disk is checked like a spec's disk (plus: a volume must exist,
    /// and a writable image may not be used by another VM: two writers corrupt it).
    /// </summary>
    public async Task<VmInfo> AttachDiskAsync(string name, DiskSpec disk, CancellationToken ct)
    {
        var vm = Find(name);
        await _defineLock.WaitAsync(ct);
        try
        {
            var errors = new List<FieldError>();
            disk = ResolveVolume(disk, "disk", errors);
            var candidate = vm.Spec with { Disks = [.. vm.Spec.Disks, disk] };
            var prefix = $"disks[{candidate.Disks.Count - 1}]";
            errors.AddRange(VmSpecValidator.Validate(candidate, HostLimits())
                .Where(e => e.Field.StartsWith(prefix, StringComparison.Ordinal))
                .Select(e => e with { Field = "disk" + e.Field[prefix.Length..] }));
            errors.AddRange(CheckDiskOwners(candidate).Where(e => e.Field.StartsWith(prefix, StringComparison.Ordinal))
                .Select(e => e with { Field = "disk" + e.Field[prefix.Length..] }));
            if (errors.Count > 0)
                throw InvalidInputException.For("disk", errors);
            return await vm.AttachDiskAsync(disk, ct);
        }
        finally
        {
            _defineLock.Release();
        }
    }

    /// <summary>
    /// <c>vol resize</c>. A volume that one running (or paused) VM has as its disk grows live through that VM's QEMU,
    /// like <c>virsh blockresize</c> (never shrinks: that needs the VM stopped). Any other volume goes to the storage
    /// service, which resizes it with qemu-img and refuses what would change under a running guest (a volume
    /// shared by running VMs, or the backing file of a running VM's overlay).
    /// </summary>
    public async Task<VolumeInfo> ResizeVolumeAsync(string reference, VolumeResizeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ResolvedVolume volume;
        try
        {
            volume = Storage.Resolve(reference, "volume");
        }
        catch (InvalidInputException)
        {
            return await Storage.ResizeAsync(reference, request, ct); // which answers a bad or unknown name as always
        }
        var users = _vms.Values
            .Where(vm => vm.HasProcess)
            .SelectMany(vm => vm.Spec.Disks.Where(d => d.Device != "cdrom" && (d.Volume == volume.Reference ||
                d.Path is { } p && Path.IsPathFullyQualified(p) && Path.GetFullPath(p) == volume.Path)).Select(d => (Vm: vm, Disk: d)))
            .ToList();
        if (users.Count != 1 || Storage.IsBase(reference))
            return await Storage.ResizeAsync(reference, request, ct);
        var (bytes, grow, text) = StorageService.ParseResize(request);
        var (vm, disk) = users[0];
        await vm.ResizeDiskLiveAsync(disk.Volume ?? disk.Path!, bytes, grow, text, ct);
        return await Storage.GetVolumeAsync(reference, ct);
    }

    /// <summary>Removes a disk (by volume or path) from a VM, live when it runs; the image is kept.</summary>
    public Task<VmInfo> DetachDiskAsync(string name, string source, CancellationToken ct) => Find(name).DetachDiskAsync(source, ct);

    /// <summary>Inserts an ISO (absolute path, or a volume) into CD-ROM drive <paramref name="drive"/>, or ejects it (both null).</summary>
    public Task<VmInfo> ChangeMediumAsync(string name, int drive, string? path, string? volume, CancellationToken ct)
    {
        var vm = Find(name);
        if (path is not null && volume is not null)
            throw InvalidInputException.For("CD-ROM medium", [new FieldError { Field = "volume", Value = volume, Message = "and path were both given; give one" }]);
        if (volume is not null)
        {
            var errors = new List<FieldError>();
            var resolved = ResolveVolume(new DiskSpec { Volume = volume, Device = "cdrom" }, "volume", errors);
            if (errors.Count > 0)
                throw InvalidInputException.For("CD-ROM medium", errors);
            path = resolved.Path;
        }
        else if (path is not null && (!Path.IsPathFullyQualified(path) || !File.Exists(path)))
        {
            throw InvalidInputException.For("CD-ROM medium", [new FieldError { Field = "path", Value = path, Message = Path.IsPathFullyQualified(path) ? "does not exist" : "is not absolute; give the full path of the ISO image" }]);
        }
        return vm.ChangeMediumAsync(drive, path, ct);
    }

    /// <summary>The resolved disk (path and format from its volume); problems are added to <paramref name="errors"/>.</summary>
    private DiskSpec ResolveVolume(DiskSpec disk, string field, List<FieldError> errors)
    {
        if (disk.Volume is not { } reference)
            return disk;
        if (VolumeReference.Validate(reference) is { } problem)
        {
            errors.Add(new FieldError { Field = $"{field}.volume", Value = reference, Message = problem });
            return disk;
        }
        if (_resolveVolume is null)
        {
            errors.Add(new FieldError { Field = $"{field}.volume", Value = reference, Message = "cannot be used: this engine has no storage pools" });
            return disk;
        }
        ResolvedVolume volume;
        try
        {
            volume = _resolveVolume(reference, $"{field}.volume");
        }
        catch (InvalidInputException e)
        {
            errors.AddRange(e.FieldErrors);
            return disk;
        }
        if (disk.Path is { } given && Path.GetFullPath(given) != volume.Path)
            errors.Add(new FieldError { Field = $"{field}.path", Value = given, Message = $"is not where volume {reference} lives ({volume.Path}); give volume or path, not both" });
        if (disk.Format is { } format && format != volume.Format)
            errors.Add(new FieldError { Field = $"{field}.format", Value = format, Message = $"does not match volume {reference}, which is {volume.Format}; leave format out" });
        return disk with { Path = volume.Path, Format = volume.Format };
    }

    /// <summary>Every disk with a volume gets that volume's path and format.</summary>
    private VmSpec ResolveVolumes(VmSpec spec)
    {
        if (spec.Disks.All(d => d.Volume is null))
            return spec;
        var errors = new List<FieldError>();
        var disks = spec.Disks.Select((d, i) => ResolveVolume(d, SpecFields.Index("disks", i), errors)).ToList();
        if (errors.Count > 0)
            throw InvalidInputException.For("VM spec", errors);
        return spec with { Disks = disks };
    }

    /// <summary>A writable image belongs to one VM; read-only images (ISOs, shared bases) may be shared.</summary>
    private List<FieldError> CheckDiskOwners(VmSpec spec)
    {
        var errors = new List<FieldError>();
        var others = _vms.Values.Where(v => v.Name != spec.Name)
            .SelectMany(v => v.Spec.Disks.Where(d => d.Path is not null).Select(d => (Vm: v.Name, Path: Path.GetFullPath(d.Path!), Writable: !VmSpecDefaults.IsReadonly(d))))
            .ToList();
        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            if (disk.Path is null || !disk.Path.StartsWith('/'))
                continue;
            var full = Path.GetFullPath(disk.Path);
            var writable = !VmSpecDefaults.IsReadonly(disk);
            var clash = others.FirstOrDefault(o => o.Path == full && (writable || o.Writable));
            if (writable && disk.Device != "cdrom" && Storage?.WriteProblem(full) is { } layered)
                errors.Add(new FieldError
                {
                    Field = $"{SpecFields.Index("disks", i)}.{(disk.Volume is null ? "path" : "volume")}",
                    Value = disk.Volume ?? disk.Path,
                    Message = layered,
                    Hint = "Attach it read-only (readonly: true), or give the VM its own overlay on it (vireo vol create NEW --backing VOLUME).",
                });
            else if (clash.Vm is not null)
                errors.Add(new FieldError
                {
                    Field = $"{SpecFields.Index("disks", i)}.{(disk.Volume is null ? "path" : "volume")}",
                    Value = disk.Volume ?? disk.Path,
                    Message = $"is already a disk of VM \"{clash.Vm}\"; two VMs writing one image corrupt it",
                    Hint = "Share it read-only, or give each VM its own overlay on it: vireo vol create POOL/NAME --backing VOLUME",
                });
        }
        return errors;
    }
}

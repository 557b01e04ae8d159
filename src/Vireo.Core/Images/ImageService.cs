using System.Formats.Tar;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Operations;
using Vireo.Core.Os;
using Vireo.Core.Specs;
using Vireo.Core.Storage;
using Vireo.Persistence;
using Vireo.Qemu;
using ImageInfo = Vireo.Contracts.ImageInfo;

namespace Vireo.Core.Images;

/// <summary>
/// The images catalogue: the built-in kernel images (<c>tiny</c>, see <see cref="ImageCatalog"/>) and base disk images
/// kept read-only in the pool <c>images</c>. Imports take a file the operator hands over (qcow2, raw, vmdk, vdi, vhdx,
/// OVA, OVF), its format given or read from its header on the host, and always name it to qemu-img; every disk
/// becomes a qcow2 base volume, written under a temporary name and recorded only when complete.
/// </summary>
public sealed class ImageService
{
    private const int MaxTarEntries = 1000;
    private static readonly string[] Firmwares = ["bios", "uefi"];
    private readonly VireoStore _store;
    private readonly StorageService _storage;
    private readonly ImageCatalog _builtIn;
    private readonly Func<OsCatalog> _osCatalog;
    /// <summary>The engine's catalog, read at each use: vireod replaces the default one (with its logger) at start.</summary>
    private OsCatalog OsData => _osCatalog();
    private readonly OperationRegistry _operations;
    private readonly ILogger _log;
    private readonly Lazy<QemuImg> _img;

    public ImageService(VireoStore store, StorageService storage, ImageCatalog builtIn, Func<OsCatalog> os, OperationRegistry operations, ILogger log)
    {
        _store = store;
        _storage = storage;
        _builtIn = builtIn;
        _osCatalog = os;
        _operations = operations;
        _log = log;
        _img = new Lazy<QemuImg>(() =>
        {
            try
            {
                return QemuImg.Locate();
            }
            catch (QemuImgException e)
            {
                throw new UnavailableException(e.Message, e) { Hint = "Install it: apt-get install qemu-utils" };
            }
        });
    }

    /// <summary>The built-in kernel images.</summary>
    public ImageCatalog BuiltIn => _builtIn;

    /// <summary>Every image: the built-in kernel images first, then the disk images by name.</summary>
    public IReadOnlyList<ImageInfo> List() =>
        _builtIn.List().Concat(_store.ListImages().Select(Info)).ToList();

    /// <summary>One image by name; not_found naming the known images.</summary>
    public ImageInfo Get(string name) =>
        List().FirstOrDefault(i => i.Name == name) ?? throw new NotFoundException("image", name, $"Known images: {string.Join(", ", KnownNames())}. List them: vireo image list");

    /// <summary>True when <paramref name="name"/> is a disk image of the catalogue.</summary>
    public bool IsDiskImage(string name) => _store.ListImages().Any(i => i.Name == name);

    /// <summary>The names <c>image:</c> accepts.</summary>
    public IReadOnlyList<string> KnownNames() => ImageCatalog.KnownImages.Concat(_store.ListImages().Select(i => i.Name)).Distinct().ToList();

    /// <summary>Checks that a spec's <c>image</c> names a known image (an invalid-input error on <c>image</c> listing them).</summary>
    public void CheckKnown(string name)
    {
        if (!KnownNames().Contains(name))
            throw InvalidInputException.For("VM spec",
                [new FieldError { Field = "image", Value = name, Message = $"is not a known image; known images: {string.Join(", ", KnownNames())}", Hint = "List them: vireo image list; import one: vireo image import FILE --name NAME --os OS" }]);
    }

    /// <summary>Checks the request (bad input throws, nothing starts) and starts the import as an operation.</summary>
    public async Task<OperationInfo> StartImportAsync(ImageImportRequest request, CancellationToken ct)
    {
        var plan = await PlanAsync(request, ct);
        return _operations.Start("image-import", plan.Name, async (progress, token) =>
            JsonSerializer.SerializeToNode(await RunAsync(plan, progress, token), VireoJsonContext.Default.ImageInfo));
    }

    /// <summary>Imports synchronously (registration of built images, tests); see <see cref="StartImportAsync"/>.</summary>
    public async Task<ImageInfo> ImportAsync(ImageImportRequest request, IProgress<double>? progress, CancellationToken ct) =>
        await RunAsync(await PlanAsync(request, ct), progress, ct);

    /// <summary>Deletes a disk image and its base volumes; refused while VMs use it (named), and for built-in images.</summary>
    public async Task DeleteAsync(string name, CancellationToken ct)
    {
        if (ImageCatalog.KnownImages.Contains(name))
            throw new InvalidStateException($"image \"{name}\" is built in: its files are Vireo's cache ({Path.Combine(_builtIn.ImageDir, name)}), not a catalogue volume");
        var record = _store.ListImages().FirstOrDefault(i => i.Name == name) ?? throw new NotFoundException("image", name, "List the images: vireo image list");
        await _storage.DeleteImageAsync(record, ct);
    }

    /// <summary>
    /// Register-on-sight: at vireod start, every image built into the cache directory (a directory with
    /// <c>image.json</c> naming a <c>disk</c>) that is not registered, or registered from another recipe and used by
    /// no VM, is imported (in the background, as an operation). Returns the operations started.
    /// </summary>
    public IReadOnlyList<OperationInfo> RegisterBuilt()
    {
        var started = new List<OperationInfo>();
        if (!Directory.Exists(_builtIn.ImageDir))
            return started;
        foreach (var dir in Directory.EnumerateDirectories(_builtIn.ImageDir).Order(StringComparer.Ordinal))
        {
            try
            {
                if (BuiltRequest(dir) is not { } request)
                    continue;
                var existing = _store.ListImages().FirstOrDefault(i => i.Name == request.Name);
                if (existing is not null && existing.Recipe == request.Recipe)
                    continue;
                if (existing is not null && _storage.ImageUsers(existing) is { Count: > 0 } users)
                {
                    _log.LogWarning("image {Name}: a build with another recipe is in {Dir}, but VMs {Vms} use the registered one; keeping it", request.Name, dir, string.Join(", ", users));
                    continue;
                }
                var op = StartImportAsync(request, CancellationToken.None).GetAwaiter().GetResult();
                _log.LogInformation("image {Name}: registering the build in {Dir} (operation {Id})", request.Name, dir, op.Id);
                started.Add(op);
            }
            catch (Exception e) when (e is VireoException or IOException or JsonException or UnauthorizedAccessException)
            {
                _log.LogWarning("image directory {Dir}: not registered: {Error}", dir, e.Message);
            }
        }
        return started;
    }

    /// <summary>The import request for a built image directory (<c>image.json</c> with <c>disk</c>), or null when it holds none.</summary>
    public static ImageImportRequest? BuiltRequest(string dir)
    {
        var manifest = Path.Combine(dir, "image.json");
        if (!File.Exists(manifest) || new FileInfo(manifest).Length > 64 * 1024)
            return null;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        var root = doc.RootElement;
        string? S(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (S("disk") is not { } disk || disk.Contains('/') || disk is "." or "..")
            return null;
        var file = Path.Combine(dir, disk);
        if (!File.Exists(file))
            return null;
        var firmware = root.TryGetProperty("firmware", out var fw) && fw.ValueKind == JsonValueKind.Array
            ? fw.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList() : [];
        var recipe = root.TryGetProperty("recipe", out var r) ? r.ValueKind == JsonValueKind.String ? r.GetString() : r.GetRawText() : null;
        return new ImageImportRequest
        {
            Name = S("name") ?? Path.GetFileName(dir),
            From = file,
            Os = S("os") ?? "",
            Format = S("format") ?? "qcow2",
            Description = S("description"),
            Firmware = firmware,
            Recipe = recipe,
            Replace = true,
        };
    }

    // ---- import ----

    private sealed record DiskSource(string Path, string? Format, string? TarEntry, string Href);

    private sealed record ImportPlan(string Name, string Os, string SourceFormat, string From, IReadOnlyList<DiskSource> Disks,
        ImageHardware? Hardware, string? Description, IReadOnlyList<string> Firmware, string? Recipe, ImageRecord? Replacing);

    private async Task<ImportPlan> PlanAsync(ImageImportRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (VmNameRules.Validate(request.Name) is { } nameProblem)
            errors.Add(new FieldError { Field = "name", Value = request.Name, Message = nameProblem });
        else if (ImageCatalog.KnownImages.Contains(request.Name))
            errors.Add(new FieldError { Field = "name", Value = request.Name, Message = "is the name of a built-in image; choose another name" });
        string? os = null;
        if (string.IsNullOrWhiteSpace(request.Os))
            errors.Add(new FieldError { Field = "os", Message = "is required; give the image's OS as an osinfo id, e.g. debian12", Hint = "List the known OSes: vireo os list" });
        else if (OsData.Find(request.Os) is { } entry)
            os = entry.ShortId;
        else
        {
            var near = OsData.Suggest(request.Os);
            errors.Add(new FieldError
            {
                Field = "os", Value = request.Os, Message = "is not an OS of the osinfo database",
                Hint = (near.Count > 0 ? $"Did you mean {string.Join(" or ", near)}? " : "") + "List the known OSes: vireo os list",
            });
        }
        var from = request.From;
        if (string.IsNullOrEmpty(from))
            errors.Add(new FieldError { Field = "from", Message = "is required; give the absolute path of the image file" });
        else if (!Path.IsPathFullyQualified(from))
            errors.Add(new FieldError { Field = "from", Value = from, Message = "is relative; give an absolute path" });
        else if (Directory.Exists(from))
            errors.Add(new FieldError { Field = "from", Value = from, Message = "is a directory; give an image file" });
        else if (!File.Exists(from))
            errors.Add(new FieldError { Field = "from", Value = from, Message = "does not exist" });
        if (request.Format is { } f && !ImageFormatDetector.Formats.Contains(f))
            errors.Add(new FieldError { Field = "format", Value = f, Message = $"is not a format Vireo imports; use one of {string.Join(", ", ImageFormatDetector.Formats)}" });
        foreach (var fw in request.Firmware.Where(x => !Firmwares.Contains(x)))
            errors.Add(new FieldError { Field = "firmware", Value = fw, Message = "is not bios or uefi" });
        if (request.Description is { } d && (d.Length > 255 || d.Any(char.IsControl)))
            errors.Add(new FieldError { Field = "description", Value = d.Length > 40 ? d[..40] + "..." : d, Message = "must be one line of at most 255 characters" });
        if (errors.Count > 0)
            throw InvalidInputException.For("image import", errors);

        var existing = _store.ListImages().FirstOrDefault(i => i.Name == request.Name);
        if (existing is not null && !request.Replace)
            throw new AlreadyExistsException($"image \"{request.Name}\" already exists")
            {
                Hint = $"Choose another name, or delete it first: vireo image delete {request.Name}",
            };
        if (existing is not null && _storage.ImageUsers(existing) is { Count: > 0 } users)
            throw new InvalidStateException($"image \"{request.Name}\" cannot be replaced: VM{(users.Count == 1 ? "" : "s")} {string.Join(", ", users)} use{(users.Count == 1 ? "s" : "")} it")
            {
                Hint = $"Import the new one under another name, or undefine {string.Join(", ", users)} first",
            };

        var path = Path.GetFullPath(from!);
        var detected = ImageFormatDetector.Detect(path);
        var format = request.Format ?? detected ?? throw InvalidInputException.For("image import", [new FieldError
        {
            Field = "format", Value = Path.GetFileName(path),
            Message = "cannot be told from the file's header (a raw image has none, and its name does not end in .raw or .img); Vireo never lets QEMU guess a format",
            Hint = $"Name it: --format raw (or one of {string.Join(", ", ImageFormatDetector.Formats)})",
        }]);
        CheckHeader(path, format, detected, "from");

        IReadOnlyList<DiskSource> disks;
        ImageHardware? hardware = null;
        string? description = request.Description;
        switch (format)
        {
            case "ova":
                (var ovf, disks) = ReadOva(path);
                hardware = ovf.Hardware;
                description ??= ovf.Name is null ? null : $"OVA appliance {ovf.Name}";
                break;
            case "ovf":
                if (new FileInfo(path).Length > OvfReader.MaxChars)
                    throw Bad("from", path, $"is larger than {OvfReader.MaxChars / 1024} KiB; an OVF descriptor is a few KiB of XML");
                var descriptor = OvfReader.Parse(await File.ReadAllTextAsync(path, ct), "from");
                hardware = descriptor.Hardware;
                description ??= descriptor.Name is null ? null : $"OVF appliance {descriptor.Name}";
                var dir = Path.GetDirectoryName(path)!;
                disks = descriptor.Disks.Select(x =>
                {
                    var diskPath = Path.Combine(dir, x.File);
                    if (!File.Exists(diskPath))
                        throw Bad("from", path, $"names the disk file {x.File}, which is not next to it ({diskPath} does not exist)");
                    var diskFormat = DiskFormatOf(diskPath, x.Format);
                    return new DiskSource(diskPath, diskFormat, null, x.File);
                }).ToList();
                break;
            default:
                disks = [new DiskSource(path, format, null, Path.GetFileName(path))];
                break;
        }
        // Disk files on the host are read now (a corrupt header is bad input, before anything is made); an OVA's disks
        // are read once extracted.
        foreach (var disk in disks.Where(x => x.TarEntry is null))
            await CheckReadableAsync(disk.Path, disk.Format!, disk.Path == path ? "from" : "from", ct);
        return new ImportPlan(request.Name, os!, format, path, disks, hardware, description, request.Firmware, request.Recipe, existing);
    }

    /// <summary>A format given for a file whose header says another one is refused: it would be read as something it is not.</summary>
    private static void CheckHeader(string path, string format, string? detected, string field)
    {
        if (detected == "vmdk-descriptor" && format != "raw")
            throw VmdkDescriptor(path, field);
        if (detected is null || detected == format || format == "raw" || (detected == "raw" && format != "ova" && format != "ovf"))
            return;
        throw Bad(field, path, $"has a {detected} header, not {format}; give the format it has (or leave it out: Vireo reads it from the header)");
    }

    private static InvalidInputException VmdkDescriptor(string path, string field) =>
        Bad(field, path, "is a VMDK text descriptor that names separate extent files; Vireo imports single-file VMDKs (monolithic sparse or stream-optimized), never files a descriptor points to");

    /// <summary>The format of an appliance's disk file: from its header, which must agree with what the OVF declares.</summary>
    private static string DiskFormatOf(string diskPath, string declared)
    {
        var detected = ImageFormatDetector.Detect(diskPath);
        if (detected == "vmdk-descriptor")
            throw VmdkDescriptor(diskPath, "from");
        if (detected is "ova" or "ovf")
            throw Bad("from", diskPath, $"is an appliance disk with a {detected} header; an appliance's disks are disk images");
        if (detected is null or "raw")
            return declared is "" or "raw" ? "raw" : throw Bad("from", diskPath, $"is declared {declared} by the OVF, but has no {declared} header");
        if (declared.Length > 0 && declared != detected)
            throw Bad("from", diskPath, $"is declared {declared} by the OVF, but has a {detected} header");
        return detected;
    }

    private async Task CheckReadableAsync(string path, string format, string field, CancellationToken ct)
    {
        Vireo.Qemu.ImageInfo info;
        try
        {
            info = await _img.Value.InfoAsync(path, format, ct);
        }
        catch (QemuImgException e)
        {
            throw Bad(field, path, $"cannot be read as {format}: {(e.StandardError.Length > 0 ? e.StandardError.Trim() : e.Message)}");
        }
        if (info.BackingFilename is not null)
            throw Bad(field, path, $"has a backing file ({info.BackingFilename}); import a stand-alone image (flatten it first: qemu-img convert)");
    }

    /// <summary>Reads an OVA's table of contents: its OVF descriptor (parsed) and the tar entries of the disks it declares.</summary>
    private static (OvfDescriptor, IReadOnlyList<DiskSource>) ReadOva(string path)
    {
        string? ovfText = null;
        var entries = new Dictionary<string, TarEntryType>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            using var tar = new TarReader(stream);
            var count = 0;
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                if (++count > MaxTarEntries)
                    throw Bad("from", path, $"holds more than {MaxTarEntries} files; an OVA holds a descriptor and a few disks");
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                entries.TryAdd(name, entry.EntryType);
                if (ovfText is null && name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) && !name.Contains('/') && entry.DataStream is { } data)
                {
                    if (entry.Length > OvfReader.MaxChars)
                        throw Bad("from", path, $"holds an OVF descriptor larger than {OvfReader.MaxChars / 1024} KiB");
                    using var reader = new StreamReader(data);
                    ovfText = reader.ReadToEnd();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw Bad("from", path, $"is not a readable OVA (tar) archive: {e.Message}");
        }
        if (ovfText is null)
            throw Bad("from", path, "holds no OVF descriptor (a .ovf file at the top of the archive)");
        var ovf = OvfReader.Parse(ovfText, "from");
        var disks = ovf.Disks.Select(d =>
        {
            if (!entries.TryGetValue(d.File, out var type))
                throw Bad("from", path, $"declares the disk file {d.File}, which the archive does not hold");
            if (type is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                throw Bad("from", path, $"holds the disk {d.File} as a {type}, not a regular file");
            return new DiskSource(path, d.Format.Length > 0 ? d.Format : null, d.File, d.File);
        }).ToList();
        return (ovf, disks);
    }

    private async Task<ImageInfo> RunAsync(ImportPlan plan, IProgress<double>? progress, CancellationToken ct)
    {
        var taken = _store.ListVolumes().Where(v => v.Pool == StorageService.ImagesPool).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var names = plan.Disks.Select((_, i) =>
        {
            var n = i == 0 ? $"{plan.Name}.qcow2" : $"{plan.Name}-disk{i + 1}.qcow2";
            return taken.Contains(n) ? n.Replace(".qcow2", $"-{stamp}.qcow2", StringComparison.Ordinal) : n;
        }).ToList();
        var files = await _storage.ReserveImageFilesAsync(names, ct);
        var scratch = new List<string>();
        try
        {
            long? virtualSize = null;
            long actual = 0;
            for (var i = 0; i < plan.Disks.Count; i++)
            {
                var disk = plan.Disks[i];
                var sourcePath = disk.Path;
                var format = disk.Format;
                if (disk.TarEntry is { } entryName)
                {
                    sourcePath = _storage.ImagesScratchPath("ova-" + i);
                    scratch.Add(sourcePath);
                    await ExtractAsync(plan.From, entryName, sourcePath, ct);
                    format = DiskFormatOf(sourcePath, disk.Format ?? "");
                    await CheckReadableAsync(sourcePath, format, "from", ct);
                }
                var index = i;
                var part = progress is null ? null : new Progress<double>(p => progress.Report((index + p) / plan.Disks.Count));
                try
                {
                    await _img.Value.ConvertToQcow2Async(sourcePath, format!, files[i].Temp, part, ct);
                }
                catch (QemuImgException e)
                {
                    var text = e.StandardError.Length > 0 ? e.StandardError.Trim() : e.Message;
                    if (text.Contains("No space left", StringComparison.OrdinalIgnoreCase))
                        throw new NoSpaceException($"cannot import {disk.Href}: the images pool's file system is full; nothing was left behind", e);
                    throw new QemuFailedException($"cannot import {disk.Href} ({format}): {text}", e);
                }
                var info = await _img.Value.InfoAsync(files[i].Temp, Vireo.Qemu.Model.DiskFormat.Qcow2, ct);
                virtualSize ??= info.VirtualSize;
                actual += info.ActualSize ?? new FileInfo(files[i].Temp).Length;
                if (scratch.Count > 0)
                {
                    TryDelete(scratch[^1]);
                    scratch.RemoveAt(scratch.Count - 1);
                }
            }
            var volumes = names.Select(n => StorageNames.Reference(StorageService.ImagesPool, n)).ToList();
            var record = new ImageRecord(plan.Name, plan.Os, "qcow2", plan.SourceFormat, volumes[0],
                JsonSerializer.Serialize(volumes, VireoJsonContext.Default.ListString), plan.From, virtualSize, actual, DateTimeOffset.UtcNow,
                plan.Description, JsonSerializer.Serialize(plan.Firmware.ToList(), VireoJsonContext.Default.ListString),
                plan.Hardware is null ? null : JsonSerializer.Serialize(plan.Hardware, VireoJsonContext.Default.ImageHardware), plan.Recipe);
            await _storage.CommitImageAsync(record, files, plan.Replacing, ct);
            progress?.Report(1);
            return Info(record);
        }
        finally
        {
            foreach (var s in scratch)
                TryDelete(s);
            await _storage.ReleaseImageFilesAsync(files);
        }
    }

    /// <summary>Copies one regular file out of a tar into <paramref name="destination"/> (a name Vireo chose: nothing in the archive names a host path).</summary>
    private static async Task ExtractAsync(string tarPath, string entryName, string destination, CancellationToken ct)
    {
        await using var stream = File.OpenRead(tarPath);
        await using var tar = new TarReader(stream);
        while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (name != entryName || entry.DataStream is not { } data)
                continue;
            await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write);
            await data.CopyToAsync(output, ct);
            return;
        }
        throw Bad("from", tarPath, $"lost the disk file {entryName} while it was read");
    }

    private ImageInfo Info(ImageRecord r)
    {
        var volumes = JsonSerializer.Deserialize(r.VolumesJson, VireoJsonContext.Default.ListString) ?? [r.Volume];
        var location = StorageNames.TrySplit(r.Volume, out _, out var name, out _) ? Path.Combine(_storage.ImagesPoolPath, name) : null;
        return new ImageInfo
        {
            Name = r.Name,
            Kind = "disk",
            Available = location is not null && File.Exists(location),
            Location = location,
            Description = r.Description,
            Os = r.Os,
            Format = r.Format,
            SourceFormat = r.SourceFormat,
            Volume = r.Volume,
            Volumes = volumes,
            Source = r.Source,
            VirtualSizeBytes = r.VirtualSize,
            ActualSizeBytes = r.ActualSize,
            CreatedAt = r.CreatedAt,
            Firmware = r.FirmwareJson is null ? [] : JsonSerializer.Deserialize(r.FirmwareJson, VireoJsonContext.Default.ListString) ?? [],
            Hardware = r.HardwareJson is null ? null : JsonSerializer.Deserialize(r.HardwareJson, VireoJsonContext.Default.ImageHardware),
            Recipe = r.Recipe,
            UsedBy = _storage.ImageUsers(r),
        };
    }

    private static InvalidInputException Bad(string field, string value, string message) =>
        InvalidInputException.For("image import", [new FieldError { Field = field, Value = value, Message = message }]);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

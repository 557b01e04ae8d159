using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Persistence;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

public sealed partial class StorageService
{
    /// <summary>Deepest backing chain an imported qcow2 may have.</summary>
    private const int MaxImportChain = 16;

    /// <summary>A validated copy into a new volume whose name is already reserved.</summary>
    private sealed record CopyPlan(string What, string SourcePath, DiskFormat SourceFormat, (string Pool, string Name)? SourceVolume,
        PoolRecord Destination, string Name, DiskFormat Format, long? RateLimit);

    /// <summary>Full copy of <paramref name="source"/> as new volume <paramref name="destination"/>, same format (a flattened, sparse copy).</summary>
    public async Task<ResolvedVolume> CopyAsync(string source, string destination, IProgress<double>? progress, CancellationToken ct)
    {
        var plan = await PlanCopyAsync("clone", source, new VolumeCopyRequest { Destination = destination }, ct);
        await RunCopyAsync(plan, progress, ct);
        return Resolve(destination, "destination");
    }

    /// <summary>Starts <c>vol clone</c> as an operation (the request is checked first: bad input throws, nothing starts).</summary>
    public async Task<OperationInfo> StartCloneAsync(string source, VolumeCopyRequest request, CancellationToken ct) =>
        Start("volume-clone", await PlanCopyAsync("clone", source, request, ct));

    /// <summary>Starts <c>vol convert</c> as an operation; <see cref="VolumeCopyRequest.Format"/> is required.</summary>
    public async Task<OperationInfo> StartConvertAsync(string source, VolumeCopyRequest request, CancellationToken ct) =>
        Start("volume-convert", await PlanCopyAsync("convert", source, request, ct));

    /// <summary>Starts <c>vol import</c> of an image file as new volume <paramref name="reference"/>.</summary>
    public async Task<OperationInfo> StartImportAsync(string reference, VolumeImportRequest request, CancellationToken ct) =>
        Start("volume-import", await PlanImportAsync(reference, request, ct));

    /// <summary>Imports synchronously (for callers inside the engine and tests); see <see cref="StartImportAsync"/>.</summary>
    public async Task<VolumeInfo> ImportAsync(string reference, VolumeImportRequest request, IProgress<double>? progress, CancellationToken ct) =>
        await RunCopyAsync(await PlanImportAsync(reference, request, ct), progress, ct);

    /// <summary>Converts or clones synchronously; see <see cref="StartConvertAsync"/>.</summary>
    public async Task<VolumeInfo> CopyVolumeAsync(string source, VolumeCopyRequest request, bool convert, IProgress<double>? progress, CancellationToken ct) =>
        await RunCopyAsync(await PlanCopyAsync(convert ? "convert" : "clone", source, request, ct), progress, ct);

    private OperationInfo Start(string kind, CopyPlan plan)
    {
        try
        {
            return _operations.Start(kind, StorageNames.Reference(plan.Destination.Name, plan.Name), async (progress, token) =>
                JsonSerializer.SerializeToNode(await RunCopyAsync(plan, progress, token), VireoJsonContext.Default.VolumeInfo));
        }
        catch
        {
            _ = ReleasePlanAsync(plan);
            throw;
        }
    }

    private async Task<CopyPlan> PlanCopyAsync(string what, string source, VolumeCopyRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (!StorageNames.TrySplit(source, out _, out _, out var sourceProblem))
            errors.Add(new FieldError { Field = "source", Value = source, Message = sourceProblem });
        if (!StorageNames.TrySplit(request.Destination, out var destPool, out var destName, out var destProblem))
            errors.Add(new FieldError { Field = "destination", Value = request.Destination, Message = destProblem });
        DiskFormat? format = null;
        if (what == "convert" || request.Format is not null)
            format = Collect(errors, () => ParseFormat(request.Format, "format", null));
        var rate = ParseRate(request.RateLimit, errors);
        if (errors.Count > 0)
            throw InvalidInputException.For($"volume {what}", errors);

        string sourcePath;
        DiskFormat sourceFormat;
        (string Pool, string Name) key;
        await _lock.WaitAsync(ct);
        try
        {
            var (pool, volume) = FindVolume(source, "source");
            var running = UsersOf(pool, volume).Where(v => v.Running).Select(v => v.Spec.Name).ToList();
            if (running.Count > 0)
                throw new InvalidStateException($"volume \"{source}\" is in use by running VM{(running.Count == 1 ? "" : "s")} {Names(running)}; a copy of a disk being written is not consistent: shut {(running.Count == 1 ? "it" : "them")} down first");
            sourcePath = Path.Combine(pool.Path, volume.Name);
            sourceFormat = ToDiskFormat(volume.Format);
            key = (volume.Pool, volume.Name);
            // Marked as read until the copy ends: deleting or resizing it meanwhile is refused.
            _reading[key] = _reading.GetValueOrDefault(key) + 1;
        }
        finally
        {
            _lock.Release();
        }
        try
        {
            var destination = await ReserveAsync(destPool, destName, ct);
            return new CopyPlan(what, sourcePath, sourceFormat, key, destination, destName, format ?? sourceFormat, rate);
        }
        catch
        {
            await _lock.WaitAsync(CancellationToken.None);
            try
            {
                Unread(key);
            }
            finally
            {
                _lock.Release();
            }
            throw;
        }
    }

    private async Task<CopyPlan> PlanImportAsync(string reference, VolumeImportRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        if (!StorageNames.TrySplit(reference, out var poolName, out var name, out var refProblem))
            errors.Add(new FieldError { Field = "volume", Value = reference, Message = refProblem });
        var sourceFormat = Collect(errors, () => ParseFormat(request.SourceFormat, "source_format", null));
        var format = Collect(errors, () => ParseFormat(request.Format, "format", sourceFormat ?? DiskFormat.Raw));
        var rate = ParseRate(request.RateLimit, errors);
        var from = request.From;
        if (string.IsNullOrEmpty(from))
            errors.Add(new FieldError { Field = "from", Message = "is required; give the absolute path of the image to import" });
        else if (!Path.IsPathFullyQualified(from))
            errors.Add(new FieldError { Field = "from", Value = from, Message = "is relative; give an absolute path" });
        else if (SourceFileProblem(from) is { } fileProblem)
            errors.Add(new FieldError { Field = "from", Value = from, Message = fileProblem });
        if (errors.Count > 0)
            throw InvalidInputException.For("volume import", errors);
        if (sourceFormat == DiskFormat.Qcow2)
            await CheckImportChainAsync(from!, ct);
        var pool = await ReserveAsync(poolName, name, ct);
        return new CopyPlan("import", Path.GetFullPath(from!), sourceFormat!.Value, null, pool, name, format!.Value, rate);
    }

    private static string? SourceFileProblem(string from)
    {
        if (Directory.Exists(from)) return "is a directory; give an image file";
        if (!File.Exists(from)) return "does not exist";
        return null;
    }

    /// <summary>
    /// A qcow2 to import may have a backing chain (it is flattened into the copy), but every link must record its
    /// format and be a plain file: an image that leaves a format to probing, or names a protocol, is refused.
    /// </summary>
    private async Task CheckImportChainAsync(string from, CancellationToken ct)
    {
        var path = Path.GetFullPath(from);
        var format = DiskFormat.Qcow2;
        for (var depth = 0; depth < MaxImportChain; depth++)
        {
            Vireo.Qemu.ImageInfo info;
            try
            {
                info = await Img.InfoAsync(path, format, ct);
            }
            catch (QemuImgException e)
            {
                throw InvalidInputException.For("volume import", [new FieldError { Field = "from", Value = from, Message = $"cannot be read as {FormatName(format)}{(depth > 0 ? $" (backing file {path})" : "")}: {e.StandardError.Trim()}" }]);
            }
            if (info.BackingFilename is null) return;
            if (info.BackingFormat is not ("raw" or "qcow2"))
                throw InvalidInputException.For("volume import", [info.BackingFormat is null
                    ? new FieldError
                    {
                        Field = "from",
                        Value = from,
                        Message = $"has the backing file {info.BackingFilename}{(depth > 0 ? $" (through {path})" : "")} with no recorded format; Vireo never lets QEMU guess a format",
                        Hint = $"Record its format first: qemu-img rebase -u -b {info.BackingFilename} -F raw|qcow2 {path}",
                    }
                    : new FieldError { Field = "from", Value = from, Message = $"has a backing file of format {info.BackingFormat}; only raw and qcow2 are supported" }]);
            var next = info.FullBackingFilename ?? info.BackingFilename;
            // A protocol ("nbd://...") or "json:{...}" name is not an absolute path: refused like a missing file.
            if (!Path.IsPathFullyQualified(next) || !File.Exists(next))
                throw InvalidInputException.For("volume import", [new FieldError { Field = "from", Value = from, Message = $"has the backing file \"{info.BackingFilename}\", which is not an existing local file" }]);
            path = next;
            format = info.BackingFormat == "qcow2" ? DiskFormat.Qcow2 : DiskFormat.Raw;
        }
        throw InvalidInputException.For("volume import", [new FieldError { Field = "from", Value = from, Message = $"has a backing chain deeper than {MaxImportChain}" }]);
    }

    private static long? ParseRate(string? text, List<FieldError> errors)
    {
        if (text is null) return null;
        if (SizeParser.TryParse(text, out var bytes, out var problem)) return bytes;
        errors.Add(new FieldError { Field = "rate_limit", Value = text, Message = problem + " (bytes per second)" });
        return null;
    }

    /// <summary>Writes the copy under a temporary name, renames it, records it; any failure or cancellation removes it.</summary>
    private async Task<VolumeInfo> RunCopyAsync(CopyPlan plan, IProgress<double>? progress, CancellationToken ct)
    {
        var temp = TempPath(plan.Destination, plan.Name);
        var reference = StorageNames.Reference(plan.Destination.Name, plan.Name);
        using var intent = VolumeIntent("volume-" + plan.What.Split(' ')[0], plan.Destination, plan.Name);
        try
        {
            await using var revert = new Engine.Reverter("volume-copy", _log);
            revert.Add("partial-image", () => TryDelete(temp));
            revert.Step("convert");
            try
            {
                await Img.ConvertAsync(plan.SourcePath, plan.SourceFormat, temp, plan.Format,
                    new ConvertOptions { RateLimitBytesPerSecond = plan.RateLimit }, progress, ct);
            }
            catch (QemuImgException e)
            {
                throw Translate(e, $"cannot {plan.What} into {reference}");
            }
            var record = new VolumeRecord(plan.Destination.Name, plan.Name, FormatName(plan.Format), null, null, null, DateTimeOffset.UtcNow);
            revert.Step("commit");
            await CommitAsync(plan.Destination, temp, record, ct);
            revert.Success();
            // Not InfoOfAsync: one more qemu-img process costs 100-200 ms on a busy host, which the benchmark against
            // plain qemu-img convert showed; the size is read from the file Vireo just wrote in a format it chose.
            var path = Path.Combine(plan.Destination.Path, plan.Name);
            return new VolumeInfo
            {
                Pool = record.Pool,
                Name = record.Name,
                Volume = reference,
                Path = path,
                Format = record.Format,
                VirtualSizeBytes = VirtualSizeOf(path, plan.Format),
                CreatedAt = record.CreatedAt,
            };
        }
        finally
        {
            TryDelete(temp);
            await ReleasePlanAsync(plan);
        }
    }

    /// <summary>The virtual size of an image Vireo wrote: a raw file's length, or the size field of the qcow2 header (bytes 24-31, big-endian).</summary>
    internal static long? VirtualSizeOf(string path, DiskFormat format)
    {
        try
        {
            if (format == DiskFormat.Raw) return new FileInfo(path).Length;
            using var f = File.OpenRead(path);
            Span<byte> header = stackalloc byte[32];
            f.ReadExactly(header);
            return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(header[24..]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task ReleasePlanAsync(CopyPlan plan)
    {
        await _lock.WaitAsync(CancellationToken.None);
        try
        {
            _pending.Remove((plan.Destination.Name, plan.Name));
            if (plan.SourceVolume is { } key)
                Unread(key);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Unread((string Pool, string Name) key)
    {
        if (_reading.TryGetValue(key, out var n))
        {
            if (n <= 1) _reading.Remove(key);
            else _reading[key] = n - 1;
        }
    }
}

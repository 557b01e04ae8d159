using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qemu.Internal;
using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>
/// qemu-img, always with an explicit format (<c>-f</c>, <c>-O</c>, <c>-F</c>): a raw image whose first bytes
/// look like a qcow2 header must never be opened as qcow2 (that would let a guest read host files through a
/// forged backing file name).
/// </summary>
public sealed partial class QemuImg
{
    /// <summary>Uses the qemu-img at <paramref name="qemuImgPath"/>.</summary>
    public QemuImg(string qemuImgPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(qemuImgPath);
        ProgramPath = qemuImgPath;
    }

    /// <summary>Path of the qemu-img binary.</summary>
    public string ProgramPath { get; }

    /// <summary>The qemu-img found by <see cref="QemuBinary.LocateQemuImg"/>.</summary>
    /// <exception cref="QemuImgException">No qemu-img was found.</exception>
    public static QemuImg Locate() => new(QemuBinary.LocateQemuImg()
        ?? throw new QemuImgException("qemu-img was not found (install qemu-utils or set VIREO_QEMU_IMG).", null, ""));

    /// <summary>
    /// Creates a new image. Refuses to overwrite an existing file (qemu-img itself would silently truncate it).
    /// With a backing file, <paramref name="sizeBytes"/> may be null to take the backing image's size.
    /// </summary>
    public Task CreateAsync(string path, DiskFormat format, long? sizeBytes, BackingFile? backing, CancellationToken ct) =>
        CreateAsync(path, format, sizeBytes, backing, Preallocation.Off, ct);

    /// <summary>
    /// Creates a new image with <paramref name="preallocation"/> (<see cref="Preallocation.Metadata"/> is qcow2 only).
    /// A failure (for example a full file system during <see cref="Preallocation.Full"/>) leaves no file behind.
    /// </summary>
    public async Task CreateAsync(string path, DiskFormat format, long? sizeBytes, BackingFile? backing, Preallocation preallocation, CancellationToken ct)
    {
        RequireAbsolute(path);
        if (sizeBytes is null && backing is null) throw new ArgumentException("A size is required without a backing file.", nameof(sizeBytes));
        if (sizeBytes is < 0) throw new ArgumentOutOfRangeException(nameof(sizeBytes));
        if (File.Exists(path)) throw new IOException($"Image '{path}' already exists.");
        var args = new List<string> { "create", "-q", "-f", Name(format) };
        if (backing is not null)
        {
            if (format != DiskFormat.Qcow2) throw new ArgumentException("Only qcow2 images can have a backing file.", nameof(backing));
            RequireAbsolute(backing.Path);
            // -F records the backing format in the header, so QEMU never probes the backing file either.
            args.AddRange(["-b", backing.Path, "-F", Name(backing.Format)]);
        }
        if (preallocation != Preallocation.Off)
        {
            if (preallocation == Preallocation.Metadata && format != DiskFormat.Qcow2)
                throw new ArgumentException("Metadata preallocation exists only for qcow2.", nameof(preallocation));
            args.AddRange(["-o", "preallocation=" + PreallocationName(preallocation)]);
        }
        args.Add(path);
        if (sizeBytes is not null) args.Add(sizeBytes.Value.ToString(CultureInfo.InvariantCulture));
        await RunOrDeleteAsync("create", args, path, ct).ConfigureAwait(false);
    }

    /// <summary>Reads image metadata, opening the image with the given format.</summary>
    public Task<ImageInfo> InfoAsync(string path, DiskFormat format, CancellationToken ct) => InfoAsync(path, format, false, ct);

    /// <summary>
    /// Reads image metadata. <paramref name="forceShare"/> (-U) reads an image that a running QEMU holds locked;
    /// the answer may then be slightly stale.
    /// </summary>
    public async Task<ImageInfo> InfoAsync(string path, DiskFormat format, bool forceShare, CancellationToken ct)
    {
        RequireAbsolute(path);
        var args = new List<string> { "info", "-f", Name(format), "--output=json" };
        if (forceShare) args.Add("-U");
        args.Add(path);
        var r = await RunAsync("info", args, ct).ConfigureAwait(false);
        return ParseInfo(r.StandardOutput);
    }

    /// <summary>Checks an image's consistency (qcow2); raw images report <see cref="ImageCheckResult.Supported"/> false.</summary>
    public async Task<ImageCheckResult> CheckAsync(string path, DiskFormat format, CancellationToken ct)
    {
        RequireAbsolute(path);
        var r = await ExecAsync(["check", "-f", Name(format), "--output=json", path], ct).ConfigureAwait(false);
        // Exit codes: 0 clean, 2 corruptions, 3 leaks (both still print the report), 63 format without checks.
        if (r.ExitCode == 63) return new ImageCheckResult(false, 0, 0, 0);
        if (r.ExitCode is not (0 or 2 or 3)) throw Failure("check", r);
        var o = JsonNode.Parse(r.StandardOutput)?.AsObject() ?? throw Failure("check", r);
        return new ImageCheckResult(true, Int(o, "corruptions"), Int(o, "leaks"), Int(o, "check-errors"));
    }

    /// <summary>Copies an image into a new file, converting formats; the destination must not exist.</summary>
    public async Task ConvertAsync(string source, DiskFormat sourceFormat, string destination, DiskFormat destinationFormat, CancellationToken ct)
    {
        RequireAbsolute(source);
        RequireAbsolute(destination);
        if (File.Exists(destination)) throw new IOException($"Image '{destination}' already exists.");
        await RunOrDeleteAsync("convert",
            ConvertArguments(source, sourceFormat, destination, destinationFormat, new ConvertOptions(), progress: false),
            destination, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// qemu-img convert's arguments: both formats explicit, in-order writes. Out-of-order writes (<c>-W</c>) were
    /// measured and not taken: 7-10% faster into raw when the source is in the page cache, 3-5% slower when it is read
    /// from disk (more reads in flight, out of order, defeat readahead), and into qcow2 they lay clusters out in
    /// completion order (docs/benchmarks.md).
    /// </summary>
    internal static List<string> ConvertArguments(string source, DiskFormat sourceFormat, string destination, DiskFormat destinationFormat,
        ConvertOptions options, bool progress)
    {
        var args = new List<string> { "convert", progress ? "-p" : "-q", "-f", Name(sourceFormat), "-O", Name(destinationFormat) };
        if (options.RateLimitBytesPerSecond is { } rate)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
            args.AddRange(["-r", rate.ToString(CultureInfo.InvariantCulture)]);
        }
        args.AddRange([source, destination]);
        return args;
    }

    /// <summary>
    /// Copies an image into a new file, converting formats, and reports progress (a fraction from 0 to 1, parsed
    /// from qemu-img's own <c>-p</c> output). The copy is sparse: zeroed ranges are not written. The copy never
    /// keeps a backing file (an overlay is flattened). Cancelling ends qemu-img (SIGTERM, then SIGKILL) and, like
    /// any failure, deletes the partial destination.
    /// </summary>
    public async Task ConvertAsync(string source, DiskFormat sourceFormat, string destination, DiskFormat destinationFormat,
        ConvertOptions options, IProgress<double>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireAbsolute(source);
        RequireAbsolute(destination);
        if (File.Exists(destination)) throw new IOException($"Image '{destination}' already exists.");
        var args = ConvertArguments(source, sourceFormat, destination, destinationFormat, options, progress: true);
        try
        {
            var r = await ProgressToolProcess.RunAsync(ProgramPath, args, ChildVariables, progress, ct).ConfigureAwait(false);
            if (r.ExitCode != 0) throw Failure("convert", r);
        }
        catch (Win32Exception e)
        {
            throw new QemuImgException($"Cannot run '{ProgramPath}': {e.Message}", null, "", e);
        }
        catch
        {
            try { File.Delete(destination); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Points the qcow2 image at <paramref name="path"/> to another backing file without reading or copying any data
    /// (<c>qemu-img rebase -u</c>): only for a new backing file that holds the same data as the old one (the same
    /// file under another name). The image must not be open in a running QEMU.
    /// </summary>
    public async Task RebaseUnsafeAsync(string path, BackingFile backing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(backing);
        RequireAbsolute(path);
        RequireAbsolute(backing.Path);
        await RunAsync("rebase", ["rebase", "-q", "-u", "-f", Name(DiskFormat.Qcow2), "-b", backing.Path, "-F", Name(backing.Format), path], ct).ConfigureAwait(false);
    }

    /// <summary>Sets the virtual size. Shrinking destroys data at the end and needs <paramref name="allowShrink"/>.</summary>
    public async Task ResizeAsync(string path, DiskFormat format, long newSizeBytes, bool allowShrink, CancellationToken ct)
    {
        RequireAbsolute(path);
        ArgumentOutOfRangeException.ThrowIfNegative(newSizeBytes);
        var args = new List<string> { "resize", "-q", "-f", Name(format) };
        if (allowShrink) args.Add("--shrink");
        args.AddRange([path, newSizeBytes.ToString(CultureInfo.InvariantCulture)]);
        await RunAsync("resize", args, ct).ConfigureAwait(false);
    }

    internal static ImageInfo ParseInfo(string json)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new QemuImgException($"qemu-img info printed unreadable JSON: {e.Message}", 0, "", e);
        }
        var specific = o["format-specific"]?["data"] as JsonObject;
        return new ImageInfo(Str(o, "filename") ?? "", Str(o, "format") ?? "", Long(o, "virtual-size") ?? 0, Long(o, "actual-size"))
        {
            ClusterSize = Long(o, "cluster-size"),
            BackingFilename = Str(o, "backing-filename"),
            FullBackingFilename = Str(o, "full-backing-filename"),
            BackingFormat = Str(o, "backing-filename-format"),
            Dirty = Bool(o, "dirty-flag"),
            Corrupt = specific is null ? null : Bool(specific, "corrupt"),
            Compat = specific is null ? null : Str(specific, "compat"),
            DataFile = specific is null ? null : Str(specific, "data-file"),
        };
    }

    private async Task RunOrDeleteAsync(string verb, IReadOnlyList<string> args, string createdPath, CancellationToken ct)
    {
        try
        {
            await RunAsync(verb, args, ct).ConfigureAwait(false);
        }
        catch
        {
            // The file did not exist before (checked by the caller): remove a partial one.
            try { File.Delete(createdPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private async Task<ToolResult> RunAsync(string verb, IReadOnlyList<string> args, CancellationToken ct)
    {
        var r = await ExecAsync(args, ct).ConfigureAwait(false);
        return r.ExitCode == 0 ? r : throw Failure(verb, r);
    }

    private async Task<ToolResult> ExecAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        try
        {
            return await ToolProcess.RunAsync(ProgramPath, args, ChildVariables, ct).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new QemuImgException($"Cannot run '{ProgramPath}': {e.Message}", null, "", e);
        }
    }

    private static QemuImgException Failure(string verb, ToolResult r)
    {
        var err = r.StandardError.Trim();
        return new QemuImgException($"qemu-img {verb} failed (exit code {r.ExitCode}): {(err.Length > 0 ? err : "no error output")}", r.ExitCode, err);
    }

    // A relative name could be read as "protocol:..." or "json:{...}" by QEMU's filename parsing; an absolute
    // path never is.
    private static void RequireAbsolute(string path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            throw new ArgumentException($"Image path '{path}' must be absolute.", nameof(path));
    }

    private static string Name(DiskFormat format) => BlockNode.FormatName(format);

    /// <summary>The name qemu-img uses for a preallocation mode.</summary>
    public static string PreallocationName(Preallocation mode) => mode switch
    {
        Preallocation.Metadata => "metadata",
        Preallocation.Falloc => "falloc",
        Preallocation.Full => "full",
        _ => "off",
    };

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Long(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private static bool? Bool(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static int Int(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
}

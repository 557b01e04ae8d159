using System.Globalization;
using System.Text.Json.Nodes;
using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>A persistent dirty bitmap stored in a qcow2 image, as <c>qemu-img info</c> lists it.</summary>
/// <param name="Name">The bitmap's name.</param>
/// <param name="InUse">The image was opened by a QEMU that did not close it cleanly: the bitmap cannot be trusted.</param>
public sealed record StoredBitmap(string Name, bool InUse);

/// <summary>The result of <c>qemu-img compare</c>.</summary>
/// <param name="Identical">True when the guest-visible content is the same.</param>
/// <param name="Detail">qemu-img's own words (e.g. the first offset that differs).</param>
public sealed record ImageComparison(bool Identical, string Detail);

/// <summary>What backups and restores need from qemu-img: chained targets, bitmaps, convert with progress, compare.</summary>
public sealed partial class QemuImg
{
    /// <summary>
    /// Creates an empty qcow2 image of <paramref name="sizeBytes"/>, optionally on a qcow2 backing file given as a name
    /// relative to the new image's directory (so that a chain of backups can be moved as a whole).
    /// </summary>
    public async Task CreateQcow2Async(string path, long sizeBytes, string? relativeQcow2Backing, CancellationToken ct)
    {
        RequireAbsolute(path);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        if (File.Exists(path)) throw new IOException($"Image '{path}' already exists.");
        var args = new List<string> { "create", "-q", "-f", "qcow2" };
        if (relativeQcow2Backing is not null)
        {
            if (Path.IsPathRooted(relativeQcow2Backing) || relativeQcow2Backing.Contains(':', StringComparison.Ordinal))
                throw new ArgumentException("The backing file must be a plain relative name.", nameof(relativeQcow2Backing));
            // -F records the backing format in the header: nothing in the chain is ever probed.
            args.AddRange(["-b", relativeQcow2Backing, "-F", "qcow2"]);
        }
        args.Add(path);
        args.Add(sizeBytes.ToString(CultureInfo.InvariantCulture));
        await RunOrDeleteAsync("create", args, path, ct).ConfigureAwait(false);
    }

    /// <summary>The persistent dirty bitmaps stored in a qcow2 image (none for raw).</summary>
    public async Task<IReadOnlyList<StoredBitmap>> ListBitmapsAsync(string path, DiskFormat format, CancellationToken ct)
    {
        RequireAbsolute(path);
        if (format != DiskFormat.Qcow2) return [];
        var r = await RunAsync("info", ["info", "-f", "qcow2", "--output=json", path], ct).ConfigureAwait(false);
        var o = JsonNode.Parse(r.StandardOutput) as JsonObject;
        if (o?["format-specific"]?["data"]?["bitmaps"] is not JsonArray list) return [];
        return list.OfType<JsonObject>().Select(b => new StoredBitmap(
            b["name"]?.GetValue<string>() ?? "",
            b["flags"] is JsonArray flags && flags.Any(f => f?.GetValue<string>() == "in-use"))).ToList();
    }

    /// <summary><c>qemu-img bitmap --add</c>: a persistent bitmap, enabled, that a QEMU opening the image records into.</summary>
    public Task AddBitmapAsync(string path, string name, CancellationToken ct)
    {
        RequireAbsolute(path);
        return RunAsync("bitmap", ["bitmap", "--add", "-f", "qcow2", path, name], ct);
    }

    /// <summary><c>qemu-img bitmap --remove</c>.</summary>
    public Task RemoveBitmapAsync(string path, string name, CancellationToken ct)
    {
        RequireAbsolute(path);
        return RunAsync("bitmap", ["bitmap", "--remove", "-f", "qcow2", path, name], ct);
    }

    /// <summary>
    /// <c>qemu-img compare</c> of the guest-visible content of two images (a qcow2 image is read through its backing
    /// chain). <paramref name="forceShare"/> (-U) reads images a running QEMU holds.
    /// </summary>
    public async Task<ImageComparison> CompareAsync(string first, DiskFormat firstFormat, string second, DiskFormat secondFormat,
        bool forceShare, CancellationToken ct)
    {
        RequireAbsolute(first);
        RequireAbsolute(second);
        var args = new List<string> { "compare", "-f", Name(firstFormat), "-F", Name(secondFormat) };
        if (forceShare) args.Add("-U");
        args.AddRange([first, second]);
        var r = await ExecAsync(args, ct).ConfigureAwait(false);
        // Exit codes: 0 identical, 1 different, anything else an error.
        return r.ExitCode switch
        {
            0 => new ImageComparison(true, r.StandardOutput.Trim()),
            1 => new ImageComparison(false, r.StandardOutput.Trim()),
            _ => throw Failure("compare", r),
        };
    }

    /// <summary>
    /// Copies an image (through its backing chain) into a new file, converting formats, and reports progress from
    /// qemu-img's own <c>-p</c> output. The destination must not exist; a failed or cancelled copy leaves none.
    /// The same copy as <see cref="ConvertAsync(string, DiskFormat, string, DiskFormat, ConvertOptions, IProgress{double}?, CancellationToken)"/>
    /// with no rate limit (its progress reader, SIGTERM-then-SIGKILL on cancel and clean-up).
    /// </summary>
    public Task ConvertAsync(string source, DiskFormat sourceFormat, string destination, DiskFormat destinationFormat,
        IProgress<double>? progress, CancellationToken ct) =>
        ConvertAsync(source, sourceFormat, destination, destinationFormat, new ConvertOptions(), progress, ct);
}

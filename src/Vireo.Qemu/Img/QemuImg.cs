using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vireo.Qemu.Model;

namespace Vireo.Qemu.Img;

/// <summary>qemu-img failed; the message carries its stderr.</summary>
public sealed class QemuImgException(string message, string stderr) : Exception(message)
{
    /// <summary>What qemu-img wrote to stderr.</summary>
    public string Stderr { get; } = stderr;
}

/// <summary>What <c>qemu-img info</c> reports.</summary>
public sealed record ImageInfo
{
    /// <summary>Image file.</summary>
    public required string Filename { get; init; }
    /// <summary>Format as opened (the format Vireo passed, never a probed one).</summary>
    public required string Format { get; init; }
    /// <summary>Size the guest sees, in bytes.</summary>
    public long VirtualSize { get; init; }
    /// <summary>Bytes allocated on the host.</summary>
    public long ActualSize { get; init; }
    /// <summary>Backing file, for a qcow2 overlay.</summary>
    public string? BackingFilename { get; init; }
    /// <summary>Format of the backing file, as recorded in the overlay.</summary>
    public string? BackingFormat { get; init; }
}

/// <summary>
/// Runs qemu-img. Every call names the format of every image it touches (<c>-f</c>, <c>-O</c>, <c>-F</c>):
/// qemu-img never probes, so a raw image whose first bytes look like a qcow2 header stays raw.
/// </summary>
public sealed class QemuImg(string? path = null)
{
    /// <summary>The qemu-img binary.</summary>
    public string Path { get; } = path ?? QemuBinary.LocateQemuImg() ?? "qemu-img";

    /// <summary>Creates an image of <paramref name="sizeBytes"/>, optionally as an overlay on a backing file.</summary>
    public Task CreateAsync(string file, ImageFormat format, long sizeBytes, (string Path, ImageFormat Format)? backing = null, CancellationToken ct = default)
    {
        var args = new List<string> { "create", "-q", "-f", Name(format) };
        if (backing is { } b)
            args.AddRange(["-b", b.Path, "-F", Name(b.Format)]);
        args.Add(file);
        args.Add(sizeBytes.ToString(CultureInfo.InvariantCulture));
        return RunAsync(args, ct);
    }

    /// <summary>Reads an image's facts, opening it with the given format.</summary>
    public async Task<ImageInfo> InfoAsync(string file, ImageFormat format, CancellationToken ct = default)
    {
        var json = await RunAsync(["info", "-f", Name(format), "--output=json", file], ct);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) ? v.GetString() : null;
        long Long(string name) => root.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
        return new ImageInfo
        {
            Filename = Str("filename") ?? file,
            Format = Str("format") ?? Name(format),
            VirtualSize = Long("virtual-size"),
            ActualSize = Long("actual-size"),
            BackingFilename = Str("backing-filename"),
            BackingFormat = Str("backing-filename-format"),
        };
    }

    /// <summary>Checks a qcow2 image's consistency (raw images have nothing to check).</summary>
    public Task CheckAsync(string file, ImageFormat format, CancellationToken ct = default) =>
        format == ImageFormat.Raw ? Task.CompletedTask : RunAsync(["check", "-q", "-f", Name(format), file], ct);

    /// <summary>Copies/converts an image; the destination is written in place, so callers write to a temp name.</summary>
    public Task ConvertAsync(string source, ImageFormat sourceFormat, string destination, ImageFormat destinationFormat, CancellationToken ct = default) =>
        RunAsync(["convert", "-q", "-f", Name(sourceFormat), "-O", Name(destinationFormat), source, destination], ct);

    /// <summary>Changes the virtual size; shrinking needs <paramref name="allowShrink"/>.</summary>
    public Task ResizeAsync(string file, ImageFormat format, long newSizeBytes, bool allowShrink = false, CancellationToken ct = default)
    {
        var args = new List<string> { "resize", "-q", "-f", Name(format) };
        if (allowShrink)
            args.Add("--shrink");
        args.Add(file);
        args.Add(newSizeBytes.ToString(CultureInfo.InvariantCulture));
        return RunAsync(args, ct);
    }

    /// <summary>qemu-img's name for a format.</summary>
    public static string Name(ImageFormat format) => format == ImageFormat.Qcow2 ? "qcow2" : "raw";

    private async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = new System.Diagnostics.Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new QemuImgException($"cannot run {Path}: {e.Message}; apt-get install qemu-utils", "");
        }
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        if (process.ExitCode != 0)
        {
            var text = (await error).Trim();
            throw new QemuImgException($"qemu-img {args[0]} failed: {text.Replace("qemu-img: ", "", StringComparison.Ordinal)}", text);
        }
        return await output;
    }
}

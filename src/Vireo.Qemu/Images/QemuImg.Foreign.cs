using System.ComponentModel;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu;

/// <summary>
/// Images that arrive from other hypervisors (vmdk, vdi, vhdx) as well as raw and qcow2: read with their format named
/// (<c>-f</c>), never probed, and converted into a new qcow2 file. Only <see cref="ForeignFormats"/> are accepted.
/// </summary>
public sealed partial class QemuImg
{
    /// <summary>Source formats an image import accepts, by qemu-img's names.</summary>
    public static readonly IReadOnlyList<string> ForeignFormats = ["qcow2", "raw", "vmdk", "vdi", "vhdx"];

    /// <summary><c>qemu-img info -f FORMAT</c> for one of <see cref="ForeignFormats"/>.</summary>
    public async Task<ImageInfo> InfoAsync(string path, string formatName, CancellationToken ct)
    {
        RequireAbsolute(path);
        RequireForeign(formatName);
        var r = await RunAsync("info", ["info", "-f", formatName, "--output=json", path], ct).ConfigureAwait(false);
        return ParseInfo(r.StandardOutput);
    }

    /// <summary>
    /// <c>qemu-img convert -f FORMAT -O qcow2</c> into a new file, with progress; a failure or a cancellation deletes
    /// the partial destination.
    /// </summary>
    public async Task ConvertToQcow2Async(string source, string formatName, string destination, IProgress<double>? progress, CancellationToken ct)
    {
        RequireAbsolute(source);
        RequireAbsolute(destination);
        RequireForeign(formatName);
        if (File.Exists(destination)) throw new IOException($"Image '{destination}' already exists.");
        string[] args = ["convert", "-p", "-f", formatName, "-O", "qcow2", source, destination];
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

    private static void RequireForeign(string formatName)
    {
        if (!ForeignFormats.Contains(formatName))
            throw new ArgumentException($"Format '{formatName}' is not one of {string.Join(", ", ForeignFormats)}.", nameof(formatName));
    }
}

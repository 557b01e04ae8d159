using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Images;

/// <summary>A built-in guest image resolved to files on this host.</summary>
public sealed record GuestImage(string Name, string Kernel, string Initrd, string Cmdline, string? Description);

/// <summary>
/// Built-in guest images (today only <c>tiny</c>), built by guest/build-tiny.sh into a cache directory outside the
/// repository. Each image directory holds <c>kernel</c>, <c>initrd.img</c> and <c>image.json</c>.
/// </summary>
public sealed class ImageCatalog(string imageDir)
{
    /// <summary>Images Vireo knows how to build.</summary>
    public static readonly IReadOnlyList<string> KnownImages = ["tiny"];

    /// <summary>Default cache location (overridden by <c>VIREO_IMAGE_DIR</c> or <c>vireod --image-dir</c>).</summary>
    public const string DefaultImageDir = "/var/cache/vireo/images";

    public string ImageDir { get; } = Path.GetFullPath(imageDir);

    /// <summary>Every known image and whether it is built.</summary>
    public IReadOnlyList<ImageInfo> List() => KnownImages.Select(name =>
    {
        var dir = Path.Combine(ImageDir, name);
        var image = TryLoad(name);
        return new ImageInfo
        {
            Name = name,
            Available = image is not null,
            Location = dir,
            Description = image?.Description ?? "not built yet: it is built when a VM is first created from it as root, or by an image build",
        };
    }).ToList();

    /// <summary>Resolves an image name or throws a user-facing error naming the fix.</summary>
    public GuestImage Resolve(string name)
    {
        if (!KnownImages.Contains(name))
            throw InvalidInputException.For("VM spec",
                [new FieldError { Field = "image", Value = name, Message = $"is not a known image; known images: {string.Join(", ", KnownImages)}" }]);
        return TryLoad(name) ?? throw new UnavailableException($"image \"{name}\" is not built in {Path.Combine(ImageDir, name)}")
        {
            Hint = $"Build it: vireo image build {name} (as root; vireo create --image {name} builds it when run as root), or guest/build-tiny.sh --out {Path.Combine(ImageDir, name)}",
        };
    }

    private GuestImage? TryLoad(string name)
    {
        var dir = Path.Combine(ImageDir, name);
        var kernel = Path.Combine(dir, "kernel");
        var initrd = Path.Combine(dir, "initrd.img");
        var manifest = Path.Combine(dir, "image.json");
        if (!File.Exists(kernel) || !File.Exists(initrd) || !File.Exists(manifest))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            var root = doc.RootElement;
            var cmdline = root.TryGetProperty("cmdline", out var c) ? c.GetString() : null;
            var description = root.TryGetProperty("description", out var d) ? d.GetString() : null;
            return new GuestImage(name, kernel, initrd, cmdline ?? "console=ttyS0", description);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using System.Text.Json;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// A bootable install-style ISO made at test time from the tiny guest: Debian's bzImage (from the kernel package the
/// tiny build cached; tiny's own kernel is a PVH ELF, which neither GRUB nor OVMF can boot) and tiny's initramfs,
/// with GRUB (grub-mkrescue: a hybrid BIOS + UEFI image) that prints <see cref="GrubMarker"/> on the serial port and
/// boots the kernel with <see cref="CmdlineMarker"/> on its command line.
/// </summary>
internal static class TinyIso
{
    public const string GrubMarker = "VIREO-GRUB-FROM-CDROM";
    public const string CmdlineMarker = "vireo.bootsrc=cdrom";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _bzImage;

    /// <summary>Debian's compressed kernel of the tiny guest's kernel release, extracted once per run.</summary>
    public static async Task<string> BzImageAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_bzImage is not null && File.Exists(_bzImage))
                return _bzImage;
            TinyImage.EnsureBuilt();
            using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TinyImage.Dir, "image.json")));
            var package = meta.RootElement.GetProperty("kernel_package").GetString()!;
            var release = meta.RootElement.GetProperty("kernel_release").GetString()!;
            var cache = Path.Combine(Environment.GetEnvironmentVariable("VIREO_CACHE_DIR") is { Length: > 0 } c ? c : "/var/cache/vireo", "debs");
            var deb = Directory.Exists(cache) ? Directory.EnumerateFiles(cache, package + "_*.deb").Order().LastOrDefault() : null;
            if (deb is null)
                throw new InvalidOperationException($"{package}_*.deb is not in {cache}; guest/build-tiny.sh caches it there (rebuild tiny)");
            var dir = Directory.CreateTempSubdirectory("vireo-bzimage-").FullName;
            var tar = Path.Combine(dir, "data.tar");
            var r = await ProcessRunner.RunAsync("bash", ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" \"./boot/vmlinuz-$3\"", "x", deb, dir, release],
                timeout: TimeSpan.FromMinutes(2));
            if (r.ExitCode != 0)
                throw new InvalidOperationException($"extracting vmlinuz-{release} from {deb} failed: {r}");
            _bzImage = Path.Combine(dir, "boot", $"vmlinuz-{release}");
            return _bzImage;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Builds the ISO at <paramref name="path"/>.</summary>
    public static async Task<string> BuildAsync(string path)
    {
        var kernel = await BzImageAsync();
        var root = Path.Combine(Path.GetDirectoryName(path)!, "iso-root-" + Path.GetFileNameWithoutExtension(path));
        Directory.CreateDirectory(Path.Combine(root, "boot", "grub"));
        File.Copy(kernel, Path.Combine(root, "boot", "vmlinuz"), overwrite: true);
        File.Copy(Path.Combine(TinyImage.Dir, "initrd.img"), Path.Combine(root, "boot", "initrd.img"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(root, "boot", "grub", "grub.cfg"), $"""
            serial --unit=0 --speed=115200
            terminal_input serial console
            terminal_output serial console
            set timeout=0
            echo {GrubMarker}
            menuentry tiny {"{"}
              linux /boot/vmlinuz console=ttyS0 quiet cryptomgr.notests {CmdlineMarker}
              initrd /boot/initrd.img
            {"}"}
            """);
        var r = await ProcessRunner.RunAsync("grub-mkrescue", ["-o", path, root], timeout: TimeSpan.FromMinutes(3));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"grub-mkrescue failed: {r}");
        Directory.Delete(root, recursive: true);
        return path;
    }
}

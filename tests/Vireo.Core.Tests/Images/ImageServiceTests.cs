using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Images;
using Vireo.Core.Os;
using Vireo.Core.Storage;
using Vireo.Core.Tests.Storage;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Tests.Images;

/// <summary>The images catalogue over a real store, real qemu-img and fixtures made at test time (qemu-img, tar).</summary>
public sealed class ImageServiceTests
{
    private const long MiB = StorageFixture.MiB;

    private static ImageService Service(StorageFixture f) =>
        new(f.Store, f.Service, new ImageCatalog(Path.Combine(f.Root, "cache")), () => OsCatalog.Shared, f.Operations, NullLogger.Instance);

    /// <summary>A 16 MiB image in <paramref name="format"/> whose first sector holds a marker, made with qemu-img convert from raw.</summary>
    private static async Task<string> MakeAsync(StorageFixture f, string file, string format, string marker = "VIREO-IMAGE")
    {
        var raw = Path.Combine(f.Root, file + ".src.raw");
        var bytes = new byte[16 * MiB];
        System.Text.Encoding.ASCII.GetBytes(marker).CopyTo(bytes, 0);
        await File.WriteAllBytesAsync(raw, bytes, f.Ct);
        var path = Path.Combine(f.Root, file);
        var options = format == "vmdk" ? new[] { "-o", "subformat=streamOptimized" } : [];
        Run("qemu-img", ["convert", "-q", "-f", "raw", "-O", format, .. options, raw, path]);
        File.Delete(raw);
        return path;
    }

    private static void Run(string file, string[] args, string? cwd = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd ?? "/" };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    private static async Task<string> FirstBytesAsync(string qcow2, int count)
    {
        var raw = qcow2 + ".check.raw";
        Run("qemu-img", ["convert", "-q", "-f", "qcow2", "-O", "raw", qcow2, raw]);
        var bytes = (await File.ReadAllBytesAsync(raw))[..count];
        File.Delete(raw);
        return System.Text.Encoding.ASCII.GetString(bytes);
    }

    private static string Listing(StorageFixture f) => Directory.Exists(f.Service.ImagesPoolPath)
        ? string.Join(",", StorageFixture.Listing(f.Service.ImagesPoolPath)) : "";

    [Theory]
    [InlineData("disk.qcow2", "qcow2")]
    [InlineData("disk.raw", "raw")]
    [InlineData("disk.vmdk", "vmdk")]
    [InlineData("disk.vdi", "vdi")]
    [InlineData("disk.vhdx", "vhdx")]
    public async Task Each_disk_format_is_detected_converted_to_a_read_only_qcow2_base_and_keeps_its_data(string file, string format)
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        var source = await MakeAsync(f, file, format);

        var image = await images.ImportAsync(new ImageImportRequest { Name = "img", From = source, Os = "debian11" }, null, f.Ct);

        Assert.Equal(("disk", "qcow2", format, "images/img.qcow2", "debian11"), (image.Kind, image.Format, image.SourceFormat, image.Volume, image.Os));
        Assert.Equal(16 * MiB, image.VirtualSizeBytes);
        var path = Path.Combine(f.Service.ImagesPoolPath, "img.qcow2");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Equal("VIREO-IMAGE", await FirstBytesAsync(path, 11));
        Assert.Contains(f.Store.ListVolumes(), v => v is { Pool: "images", Name: "img.qcow2", Base: true, Format: "qcow2" });
        Assert.Equal(["tiny", "img"], images.List().Select(i => i.Name));
        Assert.Equal("img.qcow2", Listing(f));
    }

    [Fact]
    public async Task An_ova_is_unpacked_its_disks_converted_and_its_declared_hardware_recorded()
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        var dir = Directory.CreateDirectory(Path.Combine(f.Root, "ova")).FullName;
        File.Move(await MakeAsync(f, "web-disk1.vmdk", "vmdk", "ROOT-DISK"), Path.Combine(dir, "web-disk1.vmdk"));
        File.Move(await MakeAsync(f, "web-disk2.vmdk", "vmdk", "DATA-DISK"), Path.Combine(dir, "web-disk2.vmdk"));
        await File.WriteAllTextAsync(Path.Combine(dir, "web.ovf"), OvfReaderTests.Sample, f.Ct);
        var ova = Path.Combine(f.Root, "web.ova");
        Run("tar", ["-cf", ova, "--format=ustar", "web.ovf", "web-disk1.vmdk", "web-disk2.vmdk"], dir);

        var image = await images.ImportAsync(new ImageImportRequest { Name = "web", From = ova, Os = "debian11" }, null, f.Ct);

        Assert.Equal("ova", image.SourceFormat);
        Assert.Equal(["images/web.qcow2", "images/web-disk2.qcow2"], image.Volumes);
        Assert.Equal((2, 2048L, 2), (image.Hardware!.Vcpus!.Value, image.Hardware.Memory!.Value, image.Hardware.Disks));
        Assert.Equal(["e1000e", "virtio"], image.Hardware.Nics.Select(n => n.Model));
        Assert.Equal("ROOT-DISK", await FirstBytesAsync(Path.Combine(f.Service.ImagesPoolPath, "web.qcow2"), 9));
        Assert.Equal("DATA-DISK", await FirstBytesAsync(Path.Combine(f.Service.ImagesPoolPath, "web-disk2.qcow2"), 9));
        // The extracted vmdks were scratch files: only the two bases remain.
        Assert.Equal("web-disk2.qcow2,web.qcow2", Listing(f));

        // The same appliance as a bare OVF next to its disks.
        var fromOvf = await images.ImportAsync(new ImageImportRequest { Name = "web2", From = Path.Combine(dir, "web.ovf"), Os = "debian11" }, null, f.Ct);
        Assert.Equal(("ovf", 2), (fromOvf.SourceFormat, fromOvf.Volumes.Count));
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_leaves_nothing()
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        var good = await MakeAsync(f, "good.qcow2", "qcow2");
        var unnamedRaw = Path.Combine(f.Root, "disk.bin");
        await File.WriteAllBytesAsync(unnamedRaw, new byte[MiB], f.Ct);
        var corrupt = Path.Combine(f.Root, "corrupt.vmdk");
        await File.WriteAllBytesAsync(corrupt, [.. "KDMV"u8, .. new byte[4096]], f.Ct);
        var descriptor = Path.Combine(f.Root, "flat.vmdk");
        await File.WriteAllTextAsync(descriptor, "# Disk DescriptorFile\nversion=1\nRW 2048 FLAT \"/etc/shadow\" 0\n", f.Ct);
        var badOva = Path.Combine(f.Root, "evil.ova");
        var evil = Directory.CreateDirectory(Path.Combine(f.Root, "evil")).FullName;
        await File.WriteAllTextAsync(Path.Combine(evil, "evil.ovf"),
            "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/shadow\">]><Envelope>&x;</Envelope>", f.Ct);
        Run("tar", ["-cf", badOva, "--format=ustar", "evil.ovf"], evil);

        async Task<InvalidInputException> Refused(ImageImportRequest r) =>
            await Assert.ThrowsAsync<InvalidInputException>(() => images.ImportAsync(r, null, f.Ct));

        var missing = await Refused(new() { Name = "a", From = Path.Combine(f.Root, "nope.qcow2"), Os = "debian11" });
        Assert.Contains(missing.FieldErrors, e => e.Field == "from" && e.Message == "does not exist");
        var unknownOs = await Refused(new() { Name = "a", From = good, Os = "debain11" });
        Assert.Contains(unknownOs.FieldErrors, e => e.Field == "os" && e.Hint!.Contains("debian11", StringComparison.Ordinal));
        var noFormat = await Refused(new() { Name = "a", From = unnamedRaw, Os = "debian11" });
        Assert.Contains("never lets QEMU guess", noFormat.FieldErrors[0].Message, StringComparison.Ordinal);
        var badFormat = await Refused(new() { Name = "a", From = good, Os = "debian11", Format = "qed" });
        Assert.Equal("format", badFormat.FieldErrors[0].Field);
        var mismatch = await Refused(new() { Name = "a", From = good, Os = "debian11", Format = "vdi" });
        Assert.Contains("has a qcow2 header, not vdi", mismatch.FieldErrors[0].Message, StringComparison.Ordinal);
        var broken = await Refused(new() { Name = "a", From = corrupt, Os = "debian11" });
        Assert.Contains("cannot be read as vmdk", broken.FieldErrors[0].Message, StringComparison.Ordinal);
        var flat = await Refused(new() { Name = "a", From = descriptor, Os = "debian11" });
        Assert.Contains("descriptor that names separate extent files", flat.FieldErrors[0].Message, StringComparison.Ordinal);
        var dtd = await Refused(new() { Name = "a", From = badOva, Os = "debian11" });
        Assert.Contains("DTD", dtd.FieldErrors[0].Message, StringComparison.Ordinal);
        var builtIn = await Refused(new() { Name = "tiny", From = good, Os = "debian11" });
        Assert.Equal("name", builtIn.FieldErrors[0].Field);

        await images.ImportAsync(new ImageImportRequest { Name = "a", From = good, Os = "debian11" }, null, f.Ct);
        var taken = await Assert.ThrowsAsync<AlreadyExistsException>(() => images.ImportAsync(new() { Name = "a", From = good, Os = "debian11" }, null, f.Ct));
        Assert.Contains("image \"a\" already exists", taken.Message, StringComparison.Ordinal);
        Assert.Equal("a.qcow2", Listing(f));
        Assert.Single(f.Store.ListImages());
    }

    [Fact]
    public async Task A_linked_disk_reads_from_the_base_delete_is_refused_naming_the_vm_and_the_base_outlives_the_vms_removal()
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        await images.ImportAsync(new ImageImportRequest { Name = "base", From = await MakeAsync(f, "b.qcow2", "qcow2"), Os = "debian11" }, null, f.Ct);

        var root = await f.CreateAsync("default", "web1-root.qcow2", size: "32M", backing: "images/base.qcow2");
        Assert.Equal("images/base.qcow2", Assert.Single(root.BackingChain).Volume);
        f.DefineVm("web1", running: false, new DiskSpec { Volume = "default/web1-root.qcow2" });

        var e = await Assert.ThrowsAsync<InvalidStateException>(() => images.DeleteAsync("base", f.Ct));
        Assert.Contains("used by VM web1", e.Message, StringComparison.Ordinal);
        Assert.Equal(["web1"], images.Get("base").UsedBy);
        // The base goes with its image only, never as a plain volume.
        var asVolume = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("images/base.qcow2", f.Ct));
        Assert.Contains("base volume of the image \"base\"", asVolume.Message, StringComparison.Ordinal);
        // A VM may not write the base itself.
        Assert.NotNull(f.Service.WriteProblem(Path.Combine(f.Service.ImagesPoolPath, "base.qcow2")));

        // undefine --remove-all-storage: the overlay is the VM's own, the base is kept.
        var plan = f.Service.PlanRemoval(new VmSpec { Name = "web1", Disks = [new DiskSpec { Volume = "default/web1-root.qcow2", Path = root.Path }] });
        Assert.Equal(["default/web1-root.qcow2"], plan.Own);
        Assert.Contains(plan.Kept, k => k.Volume == "images/base.qcow2");
    }

    [Fact]
    public async Task Delete_after_the_overlay_is_gone_removes_the_image_and_its_file()
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        await images.ImportAsync(new ImageImportRequest { Name = "base", From = await MakeAsync(f, "b.qcow2", "qcow2"), Os = "debian11" }, null, f.Ct);
        await f.CreateAsync("default", "orphan.qcow2", size: null, backing: "images/base.qcow2");
        var layered = await Assert.ThrowsAsync<InvalidStateException>(() => images.DeleteAsync("base", f.Ct));
        Assert.Contains("default/orphan.qcow2", layered.Message, StringComparison.Ordinal);
        await f.Service.DeleteAsync("default/orphan.qcow2", f.Ct);

        await images.DeleteAsync("base", f.Ct);
        Assert.Empty(f.Store.ListImages());
        Assert.DoesNotContain(f.Store.ListVolumes(), v => v.Pool == "images");
        Assert.Equal("", Listing(f));
        await Assert.ThrowsAsync<NotFoundException>(() => images.DeleteAsync("base", f.Ct));
        await Assert.ThrowsAsync<InvalidStateException>(() => images.DeleteAsync("tiny", f.Ct));
    }

    [Fact]
    public async Task A_built_image_is_registered_on_sight_and_again_only_when_its_recipe_changes()
    {
        await using var f = await StorageFixture.StartAsync();
        var images = Service(f);
        var dir = Directory.CreateDirectory(Path.Combine(f.Root, "cache", "debian-12")).FullName;
        File.Move(await MakeAsync(f, "disk.qcow2", "qcow2"), Path.Combine(dir, "disk.qcow2"));
        void Manifest(string recipe) => File.WriteAllText(Path.Combine(dir, "image.json"),
            $$"""{"name":"debian-12","os":"debian11","format":"qcow2","disk":"disk.qcow2","firmware":["bios","uefi"],"recipe":"{{recipe}}","description":"test build"}""");

        Manifest("sha256:one");
        var first = Assert.Single(images.RegisterBuilt());
        await f.Operations.Completion(first.Id);
        Assert.Equal("sha256:one", images.Get("debian-12").Recipe);
        Assert.Equal(["bios", "uefi"], images.Get("debian-12").Firmware);
        Assert.Empty(images.RegisterBuilt());

        Manifest("sha256:two");
        var second = Assert.Single(images.RegisterBuilt());
        await f.Operations.Completion(second.Id);
        Assert.Equal("sha256:two", images.Get("debian-12").Recipe);
        // The old base went with its registration: one file.
        Assert.Single(StorageFixture.Listing(f.Service.ImagesPoolPath));
    }
}

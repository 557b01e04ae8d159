using System.Text.Json;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// <c>vireo image</c> and <c>vireo create --image</c> through the built CLI and a real vireod, with fixtures made at
/// test time by qemu-img (vmdk, vdi, vhdx) and tar (an OVA with a handwritten OVF).
/// </summary>
public sealed class ImageCatalogTests(ITestOutputHelper output)
{
    private const string Ovf = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
                  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
          <References><File ovf:id="f1" ovf:href="app-disk1.vmdk"/></References>
          <DiskSection><Info>disks</Info>
            <Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="32" ovf:capacityAllocationUnits="byte * 2^20"
                  ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
          </DiskSection>
          <VirtualSystem ovf:id="app">
            <Info>an appliance</Info>
            <VirtualHardwareSection>
              <Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
              <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>256</rasd:VirtualQuantity></Item>
              <Item><rasd:Connection>VM Network</rasd:Connection><rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """;

    [Fact]
    public async Task Images_are_imported_from_each_format_vms_are_made_from_them_linked_or_full_and_a_used_image_is_not_deleted()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var work = Directory.CreateDirectory(Path.Combine(h.StateDir, "fixtures")).FullName;
        var raw = Path.Combine(work, "src.raw");
        await StorageKit.WriteRawAsync(raw, 32 * StorageKit.MiB, 2 * StorageKit.MiB);
        foreach (var (file, format, options) in new[] { ("disk.vmdk", "vmdk", "subformat=streamOptimized"), ("disk.vdi", "vdi", ""), ("disk.vhdx", "vhdx", ""), ("app-disk1.vmdk", "vmdk", "subformat=streamOptimized") })
            await ProcessRunner.RunOkAsync("qemu-img", ["convert", "-q", "-f", "raw", "-O", format, .. options.Length > 0 ? new[] { "-o", options } : [], raw, Path.Combine(work, file)]);
        await File.WriteAllTextAsync(Path.Combine(work, "app.ovf"), Ovf);
        var ova = Path.Combine(work, "app.ova");
        await ProcessRunner.RunOkAsync("tar", "-C", work, "-cf", ova, "--format=ustar", "app.ovf", "app-disk1.vmdk");

        // Each format, detected from its header.
        foreach (var (name, file) in new[] { ("base", "disk.vmdk"), ("vb", "disk.vdi"), ("hv", "disk.vhdx"), ("plain", "src.raw"), ("app", "app.ova") })
        {
            var imported = await h.VireoOk("image", "import", Path.Combine(work, file), "--name", name, "--os", "debian12");
            Assert.Contains($"Image {name} imported: images/{name}.qcow2 (qcow2, 32 MiB", imported.Stdout);
        }
        var list = JsonSerializer.Deserialize((await h.VireoOk("image", "list", "-o", "json")).Stdout, VireoJsonContext.Default.ListImageInfo)!;
        Assert.Equal(["tiny", "app", "base", "hv", "plain", "vb"], list.Select(i => i.Name));
        Assert.Equal(["kernel", "disk", "disk", "disk", "disk", "disk"], list.Select(i => i.Kind));
        Assert.Equal(["ova", "vmdk", "vhdx", "raw", "vdi"], list.Skip(1).Select(i => i.SourceFormat));
        var app = (await h.VireoOk("image", "info", "app")).Stdout;
        Assert.Matches(@"vCPUs \(declared\):\s+2", app);
        Assert.Matches(@"Memory \(declared\):\s+256 MiB", app);
        Assert.Contains("E1000 on VM Network -> e1000e", app);
        var pool = Path.Combine(h.StateDir, "pools", "images");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(pool, "base.qcow2")));

        // Linked (the default), grown by --disk size=: an overlay whose backing file is the base.
        await h.VireoOk("create", "--name", "web1", "--image", "base", "--disk", "size=64M", "--network", "none");
        var root = JsonSerializer.Deserialize((await h.VireoOk("vol", "info", "default/web1-root.qcow2", "-o", "json")).Stdout, VireoJsonContext.Default.VolumeInfo)!;
        Assert.Equal("images/base.qcow2", Assert.Single(root.BackingChain).Volume);
        Assert.Equal(64 * StorageKit.MiB, root.VirtualSizeBytes);
        var spec = (await h.VireoOk("dumpspec", "web1")).Stdout;
        Assert.Contains("image: base", spec);
        Assert.Contains("volume: default/web1-root.qcow2", spec);
        Assert.DoesNotContain("web1-disk0", spec);
        // QEMU opens the overlay on its read-only base.
        await h.VireoOk("start", "web1");
        await h.VireoOk("destroy", "web1");

        // Full copy, with the OVA's declared hardware as defaults: no backing file.
        await h.VireoOk("create", "--name", "app1", "--image", "app,clone=full");
        var copy = JsonSerializer.Deserialize((await h.VireoOk("vol", "info", "default/app1-root.qcow2", "-o", "json")).Stdout, VireoJsonContext.Default.VolumeInfo)!;
        Assert.Empty(copy.BackingChain);
        var appSpec = (await h.VireoOk("dumpspec", "app1")).Stdout;
        Assert.Matches(@"(?m)^vcpus: 2$", appSpec);
        Assert.Matches(@"(?m)^memory: 256", appSpec);
        Assert.Matches(@"model: e1000e", appSpec);

        // A used image is not deleted; the message names the VM (linked) and the VM made from it (full copy).
        var refused = await h.Vireo("image", "delete", "base");
        Assert.True(refused.ExitCode == 4, refused.ToString());
        Assert.Contains("used by VM web1", refused.Stderr);
        var refusedFull = await h.Vireo("image", "delete", "app");
        Assert.Contains("used by VM app1", refusedFull.Stderr);

        // undefine --remove-all-storage removes the overlay, never the base; then the image can go.
        await h.VireoOk("undefine", "web1", "--remove-all-storage");
        Assert.False(File.Exists(Path.Combine(h.StateDir, "pools", "default", "web1-root.qcow2")));
        Assert.True(File.Exists(Path.Combine(pool, "base.qcow2")));
        await h.VireoOk("image", "delete", "base");
        Assert.False(File.Exists(Path.Combine(pool, "base.qcow2")));
        await h.VireoOk("undefine", "app1", "--remove-all-storage");
        await h.VireoOk("image", "delete", "app");
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error_and_creates_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var raw = Path.Combine(h.StateDir, "blank.bin");
        await File.WriteAllBytesAsync(raw, new byte[1 << 20]);
        var volumesBefore = (await h.VireoOk("vol", "list")).Stdout;

        var missing = await h.Vireo("image", "import", Path.Combine(h.StateDir, "nope.qcow2"), "--name", "x", "--os", "debian12");
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("does not exist", missing.Stderr);
        var noFormat = await h.Vireo("image", "import", raw, "--name", "x", "--os", "debian12");
        Assert.True(noFormat.ExitCode == 2, noFormat.ToString());
        Assert.Contains("--format raw", noFormat.Stderr);
        var badOs = await h.Vireo("image", "import", raw, "--name", "x", "--os", "debain12", "--format", "raw");
        Assert.True(badOs.ExitCode == 2, badOs.ToString());
        Assert.Contains("debian12", badOs.Stderr);

        // An image name that does not exist: the known names, exit 3, no VM and no volume.
        var unknown = await h.Vireo("create", "--name", "ghost", "--image", "no-such-image", "--disk", "size=1G");
        Assert.True(unknown.ExitCode == 3, unknown.ToString());
        Assert.Contains("image \"no-such-image\" does not exist", unknown.Stderr);
        Assert.Contains("Known images: tiny", unknown.Stderr);
        Assert.DoesNotContain("ghost", (await h.VireoOk("list", "--all")).Stdout);
        Assert.Equal(volumesBefore, (await h.VireoOk("vol", "list")).Stdout);
        Assert.False(Directory.Exists(Path.Combine(h.StateDir, "pools", "images")) && Directory.EnumerateFileSystemEntries(Path.Combine(h.StateDir, "pools", "images")).Any());
    }
}

using Vireo.Contracts;
using Vireo.Core.Os;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Os;

/// <summary>What a spec's <c>os:</c> fills in, from the real osinfo database and Vireo's overlay, for the fields a spec text leaves out.</summary>
public sealed class OsDefaultsTests
{
    private static readonly OsCatalog Catalog = new(["/usr/share/osinfo", Path.Combine(AppContext.BaseDirectory, "osinfo")]);

    private static VmSpec Apply(string yaml)
    {
        var parsed = VmSpecParser.Parse(yaml);
        Assert.True(parsed.Spec is not null, string.Join("\n", parsed.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return OsDefaults.Apply(parsed.Spec!, Catalog.Resolve(parsed.Spec!.Os!), SpecPresence.Read(yaml).Has);
    }

    [Fact]
    public void Debian_12_gets_its_recommended_memory_and_virtio_but_keeps_bios()
    {
        var spec = Apply("name: a\nos: debian12\ndisks: [{volume: default/a.qcow2}]\nnics: [{type: user}]\n");
        Assert.Equal(1024, spec.Memory);
        Assert.Equal(("virtio", "virtio", "bios"), (spec.Disks[0].Bus, spec.Nics[0].Model, spec.Boot.Firmware));
    }

    [Fact]
    public void Windows_without_virtio_drivers_gets_sata_and_e1000e_and_windows_11_uefi()
    {
        var server = Apply("name: a\nos: win2k22\ndisks: [{volume: default/a.qcow2}, {path: /x.iso, device: cdrom}]\nnics: [{type: user}]\n");
        Assert.Equal(("sata", null, "e1000e", "bios"), (server.Disks[0].Bus, server.Disks[1].Bus, server.Nics[0].Model, server.Boot.Firmware));
        Assert.Equal(2048, server.Memory);
        var desktop = Apply("name: a\nos: win11\nnics: [{type: user}]\n");
        Assert.Equal(("uefi", 4096L), (desktop.Boot.Firmware, desktop.Memory));
    }

    [Fact]
    public void Fields_the_spec_states_win_even_when_they_hold_the_default_value()
    {
        var spec = Apply("name: a\nos: win11\nmemory: 512\nboot: {firmware: bios}\ndisks: [{volume: default/a.qcow2, bus: virtio}]\nnics: [{type: user, model: virtio}, {type: user}]\n");
        Assert.Equal(512, spec.Memory);
        Assert.Equal("bios", spec.Boot.Firmware);
        Assert.Equal("virtio", spec.Disks[0].Bus);
        Assert.Equal(("virtio", "e1000e"), (spec.Nics[0].Model, spec.Nics[1].Model));
    }

    [Fact]
    public void A_kernel_boot_never_gets_uefi_from_the_os()
    {
        var spec = Apply("name: a\nos: win11\nboot: {kernel: /k}\n");
        Assert.Equal("bios", spec.Boot.Firmware);
    }

    [Fact]
    public void Os_once_firmware_and_secure_boot_round_trip_through_the_writer()
    {
        var yaml = "name: a\nos: debian12\nboot: {order: [disk], once: [cdrom], firmware: uefi, secure_boot: true}\n";
        var spec = VmSpecParser.Parse(yaml).Spec!;
        var written = VmSpecWriter.ToYaml(spec);
        Assert.Contains("os: debian12\n", written);
        Assert.Contains("  once: [cdrom]\n  firmware: uefi\n  secure_boot: true\n", written);
        Assert.Equal(written, VmSpecWriter.ToYaml(VmSpecParser.Parse(written).Spec!));
        Assert.Equal(["cdrom"], VmSpecParser.Parse(written).Spec!.Boot.Once);
    }
}

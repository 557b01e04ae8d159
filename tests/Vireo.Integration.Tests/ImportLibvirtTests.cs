using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo import-libvirt</c> through the built CLI and a real vireod (nothing is booted).</summary>
public sealed class ImportLibvirtTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_virsh_dumpxml_is_shown_with_dry_run_then_defined_with_its_warnings()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var disk = Path.Combine(h.StateDir, "imp1.qcow2");
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", disk, "16M");
        var xml = Path.Combine(h.StateDir, "imp1.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='kvm'>
              <name>imp1</name>
              <uuid>0b8e5c1a-6f2d-4c3b-9a1e-7d6c5b4a3f21</uuid>
              <memory unit='KiB'>262144</memory>
              <currentMemory unit='KiB'>131072</currentMemory>
              <vcpu placement='static'>1</vcpu>
              <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>
              <features><acpi/><apic/></features>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2' discard='unmap'/>
                  <source file='{disk}'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>
                <interface type='network'><mac address='52:54:00:6b:3c:58'/><source network='default'/><model type='virtio'/></interface>
                <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
                <graphics type='spice' autoport='yes'/>
                <sound model='ich9'/>
              </devices>
            </domain>
            """);

        // --dry-run: the spec and the list as YAML comments; nothing is defined.
        var dry = await h.VireoOk("import-libvirt", xml, "--dry-run");
        Assert.Contains("name: imp1\n", dry.Stdout);
        Assert.Contains("max_memory: 256MiB\n", dry.Stdout);
        Assert.Contains("# Not carried over from the libvirt domain:\n", dry.Stdout);
        Assert.Contains("#   domain/devices/sound: not mapped: Vireo VMs have no sound\n", dry.Stdout);
        Assert.Equal(3, (await h.Vireo("info", "imp1")).ExitCode);
        // The same from stdin, as virsh dumpxml NAME | vireo import-libvirt - would give it.
        var piped = await h.VireoWithInput(await File.ReadAllTextAsync(xml), "import-libvirt", "-", "--dry-run", "-o", "json");
        Assert.True(piped.ExitCode == 0, piped.ToString());
        var json = JsonDocument.Parse(piped.Stdout).RootElement;
        Assert.False(json.GetProperty("defined").GetBoolean());
        Assert.Contains(json.GetProperty("unmapped").EnumerateArray(), u => u.GetProperty("element").GetString() == "domain/devices/graphics");

        // Defined: the warnings on stderr, and the spec as imported.
        var defined = await h.VireoOk("import-libvirt", xml);
        Assert.Contains("VM 'imp1' defined (uuid 0b8e5c1a-6f2d-4c3b-9a1e-7d6c5b4a3f21)", defined.Stdout);
        Assert.Contains("warning: domain/devices/sound: not mapped: Vireo VMs have no sound", defined.Stderr);
        var spec = (await h.VireoOk("dumpspec", "imp1")).Stdout;
        foreach (var line in new[] { "memory: 128MiB", "max_memory: 256MiB", "machine: pc-q35-7.2", $"path: {disk}", "format: qcow2", "device: cdrom",
            "network: default", "mac: 52:54:00:6b:3c:58", "order: [disk]" })
            Assert.Contains(line, spec);

        // Again: the name is taken (4); bad XML is refused naming the problem (2).
        var again = await h.Vireo("import-libvirt", xml);
        Assert.True(again.ExitCode == 4, again.ToString());
        var dtd = await h.VireoWithInput("<!DOCTYPE d [<!ENTITY x \"y\">]><domain><name>&x;</name></domain>", "import-libvirt", "-");
        Assert.True(dtd.ExitCode == 2, dtd.ToString());
        Assert.Contains("document type declaration", dtd.Stderr);
    }
}

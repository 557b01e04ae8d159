using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

/// <summary>
/// Specs stored by an older vireod (before boot.once, boot.firmware, the agent and cloud-init existed) must load,
/// show and start: found on a host upgraded in place, where the "demo" VM defined by an earlier install could no longer
/// be shown or started (NullReferenceException on boot.once).
/// </summary>
public sealed class StoredSpecCompatibilityTests
{
    // Exactly what an earlier vireod wrote into vms.spec_json for the install's demo VM.
    private const string OldSpec = """
        {
          "name": "demo",
          "uuid": "baff4377-1bdb-4059-a395-6ddd4e1e1f5b",
          "description": "from the fresh install",
          "image": "tiny",
          "vcpus": 1,
          "memory": 104,
          "max_memory": 128,
          "machine": "q35",
          "cpu": "auto",
          "accel": "auto",
          "boot": {
            "kernel": "/var/cache/vireo/images/tiny/kernel",
            "initrd": "/var/cache/vireo/images/tiny/initrd.img",
            "cmdline": "console=ttyS0 quiet cryptomgr.notests vireo.hostname=demo",
            "order": []
          },
          "disks": [],
          "nics": [ { "type": "network", "network": "default", "link": true, "mac": "52:54:00:ca:f5:3e", "model": "virtio" } ],
          "serial": true,
          "graphics": { "type": "none" },
          "autostart": false,
          "on_crash": "destroy"
        }
        """;

    [Fact]
    public void An_old_stored_spec_loads_with_the_new_fields_at_their_defaults_and_writes_as_yaml()
    {
        var spec = StoredSpec.Load(OldSpec);

        Assert.Empty(spec.Boot.Once);
        Assert.Equal("bios", spec.Boot.Firmware);
        Assert.Contains("kernel: /var/cache/vireo/images/tiny/kernel", VmSpecWriter.ToYaml(spec));
    }

    [Fact]
    public void Explicit_nulls_for_lists_load_as_empty_lists()
    {
        var spec = StoredSpec.Load(OldSpec.Replace("\"order\": []", "\"order\": null, \"once\": null").Replace("\"disks\": []", "\"disks\": null"));

        Assert.Empty(spec.Boot.Order);
        Assert.Empty(spec.Boot.Once);
        Assert.Empty(spec.Disks);
        Assert.Contains("name: demo", VmSpecWriter.ToYaml(spec));
    }

    [Fact]
    public void Plain_deserialization_is_what_the_loader_repairs()
    {
        // The cause, kept visible: should the serializer start keeping defaults, this fails and the repair can go.
        var raw = JsonSerializer.Deserialize(OldSpec, VireoJsonContext.Default.VmSpec)!;
        Assert.Null(raw.Boot.Once);
    }
}

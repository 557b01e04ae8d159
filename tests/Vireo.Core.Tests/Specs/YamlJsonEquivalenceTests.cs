using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class YamlJsonEquivalenceTests
{
    private const string Yaml = """
        # the web front end
        name: web1
        description: "Front end: nginx"
        vcpus: 2
        memory: 2GiB
        accel: tcg
        boot:
          order: [cdrom, disk]
        disks:
          - path: /var/lib/vireo/vms/web1/root.qcow2
            format: qcow2
            serial: root-1
          - device: cdrom
            path: /var/lib/vireo/iso/debian-12.iso
            readonly: true
        nics:
          - type: bridge
            bridge: br0
            mac: 52:54:00:12:34:56
        serial: true
        graphics:
          type: vnc
          port: 5901
        autostart: true
        on_crash: restart
        """;

    private const string Json = """
        {
          "name": "web1",
          "description": "Front end: nginx",
          "vcpus": 2,
          "memory": 2048,
          "accel": "tcg",
          "boot": { "order": ["cdrom", "disk"] },
          "disks": [
            { "path": "/var/lib/vireo/vms/web1/root.qcow2", "format": "qcow2", "serial": "root-1" },
            { "device": "cdrom", "path": "/var/lib/vireo/iso/debian-12.iso", "readonly": true }
          ],
          "nics": [ { "type": "bridge", "bridge": "br0", "mac": "52:54:00:12:34:56" } ],
          "serial": true,
          "graphics": { "type": "vnc", "port": 5901 },
          "autostart": true,
          "on_crash": "restart"
        }
        """;

    [Fact]
    public void Yaml_and_json_forms_of_the_same_spec_bind_equal()
    {
        var fromYaml = ParseOk(Yaml);
        AssertSameSpec(fromYaml, ParseOk(Json));
        Assert.Equal(OnCrash.Restart, fromYaml.OnCrash);
        Assert.Equal(2048, fromYaml.Memory);
    }

    [Fact]
    public void The_api_wire_json_of_a_spec_parses_back_to_it()
    {
        var spec = ParseOk(Yaml) with { Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11", OnCrash = OnCrash.Preserve };
        AssertSameSpec(spec, ParseOk(ToJson(spec)));
    }

    [Fact]
    public void Json_errors_use_the_same_paths_as_yaml()
    {
        var fromJson = VmSpecParser.Parse("""{"name": "web1", "vcpus": "2", "disks": [{"path": "/a", "fromat": "raw"}]}""");
        var fromYaml = VmSpecParser.Parse(Lines("name: web1", "vcpus: \"2\"", "disks: [{path: /a, fromat: raw}]"));
        Assert.Equal(fromYaml.Errors, fromJson.Errors);
        Assert.Equal(["vcpus", "disks[0].fromat"], fromJson.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Json_escapes_are_decoded() =>
        Assert.Equal("a/b \u00e9 \U0001F600", ParseOk("""{"name": "web1", "description": "a\/b \u00e9 \ud83d\ude00"}""").Description);
}

using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecValidatorDeviceTests
{
    private static VmSpec WithDisks(params DiskSpec[] disks) => ValidSpec() with { Disks = disks };

    private static VmSpec WithNics(params NicSpec[] nics) => ValidSpec() with { Nics = nics };

    [Fact]
    public void Disk_format_is_never_guessed() =>
        Assert.Equal("disks[0].format: missing; give raw or qcow2 — Vireo never probes image formats",
            AssertInvalid(WithDisks(new DiskSpec { Path = DiskImage }), "disks[0].format", "never probes").ToString());

    [Theory]
    [InlineData("vmdk", "is not a supported format; use raw or qcow2")]
    [InlineData("qcow", "did you mean \"qcow2\"?")]
    [InlineData("RAW", "did you mean \"raw\"?")]
    public void Disk_format_is_raw_or_qcow2(string format, string fragment) =>
        AssertInvalid(WithDisks(new DiskSpec { Path = DiskImage, Format = format }), "disks[0].format", fragment);

    [Fact]
    public void A_disk_needs_a_volume_or_a_path() =>
        AssertInvalid(WithDisks(new DiskSpec { Format = "raw" }), "disks[0].volume", "missing; give a volume (POOL/NAME) or the absolute path of a disk image");

    [Theory]
    [InlineData("/var/lib/x.qcow2", "is a path; volumes live only in pools")]
    [InlineData("x.qcow2", "has no pool")]
    [InlineData("default/a/b", "contains \"/\"")]
    [InlineData("default/../etc/passwd", "contains \"..\"")]
    [InlineData("de fault/x", "has the pool name \"de fault\"")]
    public void A_volume_reference_is_pool_slash_name_and_never_a_path(string volume, string fragment) =>
        AssertInvalid(WithDisks(new DiskSpec { Volume = volume }), "disks[0].volume", fragment);

    [Fact]
    public void A_volume_disk_needs_no_format_because_its_pool_knows_it() =>
        Assert.DoesNotContain(VmSpecValidator.Validate(WithDisks(new DiskSpec { Volume = "default/root.qcow2" }), Limits),
            e => e.Field.StartsWith("disks[0]", StringComparison.Ordinal));

    [Fact]
    public void Cache_aio_and_discard_take_only_known_modes()
    {
        AssertInvalid(WithDisks(new DiskSpec { Volume = "default/a", Cache = "directio" }), "disks[0].cache", "is not a cache mode");
        AssertInvalid(WithDisks(new DiskSpec { Volume = "default/a", Aio = "uring" }), "disks[0].aio", "is not an I/O mode");
        AssertInvalid(WithDisks(new DiskSpec { Volume = "default/a", Discard = "trim" }), "disks[0].discard", "is not a discard mode");
        AssertInvalid(WithDisks(new DiskSpec { Volume = "default/a", Cache = "writeback", Aio = "native" }), "disks[0].aio", "needs O_DIRECT");
    }

    [Fact]
    public void Disk_path_must_be_absolute_and_exist()
    {
        AssertInvalid(WithDisks(new DiskSpec { Path = "root.qcow2", Format = "qcow2" }), "disks[0].path", "is a relative path");
        AssertInvalid(WithDisks(new DiskSpec { Path = "/nope.qcow2", Format = "qcow2" }), "disks[0].path", "\"/nope.qcow2\" does not exist; give the absolute path of a disk image");
    }

    [Fact]
    public void A_cdrom_may_be_empty_and_defaults_to_raw()
    {
        Assert.Empty(VmSpecValidator.Validate(WithDisks(new DiskSpec { Device = "cdrom" }), Limits));
        Assert.Empty(VmSpecValidator.Validate(WithDisks(new DiskSpec { Device = "cdrom", Path = Iso }), Limits));
    }

    [Fact]
    public void A_cdrom_image_must_exist() =>
        AssertInvalid(WithDisks(new DiskSpec { Device = "cdrom", Path = "/nope.iso" }), "disks[0].path", "give the absolute path of an ISO image");

    [Fact]
    public void Device_is_disk_or_cdrom() =>
        AssertInvalid(WithDisks(new DiskSpec { Path = DiskImage, Format = "qcow2", Device = "cdrm" }), "disks[0].device", "did you mean \"cdrom\"?");

    [Theory]
    [InlineData("disk", "virtio")]
    [InlineData("disk", "sata")]
    [InlineData("disk", "scsi")]
    [InlineData("cdrom", "sata")]
    [InlineData("cdrom", "scsi")]
    public void Supported_buses_pass(string device, string bus) =>
        Assert.Empty(VmSpecValidator.Validate(WithDisks(new DiskSpec { Path = Iso, Format = "raw", Device = device, Bus = bus }), Limits));

    [Fact]
    public void A_cdrom_cannot_sit_on_virtio() =>
        AssertInvalid(WithDisks(new DiskSpec { Device = "cdrom", Bus = "virtio" }), "disks[0].bus", "cannot carry a cdrom; use sata or scsi");

    [Theory]
    [InlineData("ide", "use virtio, sata or scsi")]
    [InlineData("vritio", "did you mean \"virtio\"?")]
    public void Unknown_buses_fail(string bus, string fragment) =>
        AssertInvalid(WithDisks(new DiskSpec { Path = DiskImage, Format = "qcow2", Bus = bus }), "disks[0].bus", fragment);

    [Theory]
    [InlineData("ABC-123_x.y")]
    [InlineData("12345678901234567890")]
    public void Valid_serials_pass(string serial) =>
        Assert.Empty(VmSpecValidator.Validate(WithDisks(new DiskSpec { Path = DiskImage, Format = "qcow2", Serial = serial }), Limits));

    [Theory]
    [InlineData("123456789012345678901", "is 21 characters long")]
    [InlineData("has space", "contains a space")]
    [InlineData("a,b", "contains \",\"")]
    [InlineData("a\u0001", "control character \\u0001")]
    [InlineData("", "is empty")]
    public void Invalid_serials_fail(string serial, string fragment) =>
        AssertInvalid(WithDisks(new DiskSpec { Path = DiskImage, Format = "qcow2", Serial = serial }), "disks[0].serial", fragment);

    [Fact]
    public void The_same_image_cannot_be_attached_twice() =>
        AssertInvalid(WithDisks(
                new DiskSpec { Path = DiskImage, Format = "qcow2" },
                new DiskSpec { Path = DataImage, Format = "raw" },
                new DiskSpec { Path = "/var/lib/vireo/vms/./web1//root.qcow2", Format = "qcow2" }),
            "disks[2].path", "is already used by disks[0]; attach each image once",
            Limits with { FileExists = _ => true });

    [Fact]
    public void User_and_bridge_nics_pass()
    {
        var spec = WithNics(
            new NicSpec { Type = "user", Model = "e1000e" },
            new NicSpec { Type = "bridge", Bridge = "br0", Mac = "52:54:00:12:34:56", Model = "rtl8139" });
        Assert.Empty(VmSpecValidator.Validate(spec, Limits));
    }

    [Fact]
    public void Nic_type_is_network_bridge_or_user() =>
        AssertInvalid(WithNics(new NicSpec { Type = "tap" }), "nics[0].type", "is not a NIC type; use network, bridge or user");

    [Fact]
    public void A_network_nic_needs_a_network_name() =>
        AssertInvalid(WithNics(new NicSpec { Type = "network" }), "nics[0].network", "missing; type: network needs a network name");

    [Fact]
    public void A_network_name_follows_the_name_rule() =>
        AssertInvalid(WithNics(new NicSpec { Type = "network", Network = "a/b" }), "nics[0].network", "contains \"/\"");

    [Fact]
    public void Network_is_only_for_network_nics() =>
        AssertInvalid(WithNics(new NicSpec { Type = "user", Network = "default" }), "nics[0].network", "is only used with type: network");

    [Fact]
    public void A_network_nic_round_trips_through_yaml()
    {
        var spec = WithNics(new NicSpec { Type = "network", Network = "default", Mac = "52:54:00:00:00:09", Link = false });
        var parsed = VmSpecParser.Parse(VmSpecWriter.ToYaml(spec));
        Assert.Empty(parsed.Errors);
        var nic = Assert.Single(parsed.Spec!.Nics);
        Assert.Equal("default", nic.Network);
        Assert.False(nic.Link);
    }

    [Fact]
    public void A_bridge_nic_needs_a_bridge() =>
        AssertInvalid(WithNics(new NicSpec { Type = "bridge" }), "nics[0].bridge", "missing; type: bridge needs the name of a host bridge");

    [Theory]
    [InlineData("br/0", "contains \"/\"")]
    [InlineData("br:0", "contains \":\"")]
    [InlineData("br 0", "contains a space")]
    [InlineData("averyveryverylongbridge", "is 23 characters long")]
    [InlineData("..", "is not an interface name")]
    [InlineData("", "is empty")]
    public void Bridge_names_follow_the_kernel_rule(string bridge, string fragment) =>
        AssertInvalid(WithNics(new NicSpec { Type = "bridge", Bridge = bridge }), "nics[0].bridge", fragment);

    [Fact]
    public void A_fifteen_character_bridge_name_is_fine() =>
        Assert.Empty(VmSpecValidator.Validate(WithNics(new NicSpec { Type = "bridge", Bridge = "abcdefghijklmno" }), Limits));

    [Fact]
    public void A_user_nic_cannot_name_a_bridge() =>
        AssertInvalid(WithNics(new NicSpec { Type = "user", Bridge = "br0" }), "nics[0].bridge", "is only used with type: bridge");

    [Theory]
    [InlineData("01:00:5e:00:00:01", "multicast")]
    [InlineData("00:00:00:00:00:00", "all zeros")]
    [InlineData("52:54:00:12:34", "is not a MAC address")]
    public void Macs_must_be_unicast(string mac, string fragment) =>
        AssertInvalid(WithNics(new NicSpec { Mac = mac }), "nics[0].mac", fragment);

    [Fact]
    public void Macs_are_unique_within_a_spec_regardless_of_case() =>
        AssertInvalid(WithNics(new NicSpec { Mac = "52:54:00:ab:cd:ef" }, new NicSpec { Mac = "52:54:00:AB:CD:EF" }),
            "nics[1].mac", "is already used by nics[0]");

    [Theory]
    [InlineData("e1000", "did you mean \"e1000e\"?")]
    [InlineData("ne2k_pci", "use virtio, e1000e or rtl8139")]
    public void Nic_model_is_supported(string model, string fragment) =>
        AssertInvalid(WithNics(new NicSpec { Model = model }), "nics[0].model", fragment);

    [Theory]
    [InlineData("vnc", null)]
    [InlineData("vnc", 5900)]
    [InlineData("vnc", 65535)]
    [InlineData("none", null)]
    public void Graphics_settings_pass(string type, int? port) =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Graphics = new GraphicsSpec { Type = type, Port = port } }, Limits));

    [Theory]
    [InlineData("spice", null, "graphics.type", "use vnc or none")]
    [InlineData("vnc", 5899, "graphics.port", "\"5899\" is outside 5900-65535")]
    [InlineData("vnc", 65536, "graphics.port", "is outside 5900-65535")]
    [InlineData("none", 5901, "graphics.port", "is only used with type: vnc")]
    public void Graphics_rules(string type, int? port, string field, string fragment) =>
        AssertInvalid(ValidSpec() with { Graphics = new GraphicsSpec { Type = type, Port = port } }, field, fragment);
}

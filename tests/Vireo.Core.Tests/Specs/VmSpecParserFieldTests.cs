using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecParserFieldTests
{
    [Fact]
    public void Binds_every_field_from_snake_case_names()
    {
        var spec = ParseOk(Lines(
            "name: web1",
            "uuid: 6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11",
            "description: front end",
            "image: tiny",
            "vcpus: 2",
            "memory: 2G",
            "machine: pc",
            "cpu: max",
            "accel: tcg",
            "boot:",
            "  kernel: /k",
            "  initrd: /i",
            "  cmdline: console=ttyS0 quiet",
            "  order: [disk, network]",
            "disks:",
            "  - {path: /a.qcow2, format: qcow2, device: disk, bus: scsi, readonly: true, serial: ABC-1}",
            "nics:",
            "  - {type: bridge, bridge: br0, mac: 52:54:00:12:34:56, model: e1000e}",
            "serial: false",
            "graphics: {type: vnc, port: 5901}",
            "autostart: true",
            "on_crash: preserve"));
        var expected = new VmSpec
        {
            Name = "web1", Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11", Description = "front end", Image = "tiny",
            Vcpus = 2, Memory = 2048, Machine = "pc", Cpu = "max", Accel = "tcg",
            Boot = new BootSpec { Kernel = "/k", Initrd = "/i", Cmdline = "console=ttyS0 quiet", Order = ["disk", "network"] },
            Disks = [new DiskSpec { Path = "/a.qcow2", Format = "qcow2", Device = "disk", Bus = "scsi", Readonly = true, Serial = "ABC-1" }],
            Nics = [new NicSpec { Type = "bridge", Bridge = "br0", Mac = "52:54:00:12:34:56", Model = "e1000e" }],
            Serial = false, Graphics = new GraphicsSpec { Type = "vnc", Port = 5901 }, Autostart = true,
            OnCrash = OnCrash.Preserve,
        };
        AssertSameSpec(expected, spec);
    }

    [Fact]
    public void Omitted_and_null_fields_take_their_defaults()
    {
        var spec = ParseOk(Lines("name: web1", "vcpus:", "memory: ~", "boot:", "disks: null", "graphics:"));
        AssertSameSpec(new VmSpec { Name = "web1" }, spec);
    }

    [Fact]
    public void Unknown_field_suggests_the_closest_name() =>
        Assert.Equal("disks[1].fromat: unknown field; did you mean \"format\"?",
            AssertParseError(Lines("name: web1", "disks:", "  - {path: /a, format: raw}", "  - {path: /b, fromat: raw}"),
                "disks[1].fromat", "did you mean").ToString());

    [Theory]
    [InlineData("vcpu: 2", "vcpu", "did you mean \"vcpus\"?")]
    [InlineData("ram: 512", "ram", "did you mean \"memory\"?")]
    [InlineData("onCrash: restart", "onCrash", "did you mean \"on_crash\"?")]
    [InlineData("boot: {kernal: /k}", "boot.kernal", "did you mean \"kernel\"?")]
    [InlineData("nics: [{modle: virtio}]", "nics[0].modle", "did you mean \"model\"?")]
    [InlineData("graphics: {prot: 5901}", "graphics.prot", "did you mean \"port\"?")]
    [InlineData("zzz: 1", "zzz", "known fields here are name, uuid")]
    public void Unknown_fields_are_reported_with_their_path(string line, string field, string fragment) =>
        AssertParseError(Lines("name: web1", line), field, fragment);

    [Fact]
    public void A_repeated_key_names_both_lines() =>
        AssertParseError(Lines("name: web1", "vcpus: 1", "vcpus: 2"), "vcpus", "is given twice (lines 2 and 3); keep one");

    [Fact]
    public void A_repeated_key_in_json_is_reported_too() =>
        AssertParseError("{\"name\": \"a\", \"name\": \"b\"}", "name", "is given twice");

    [Theory]
    [InlineData("vcpus: two", "vcpus: \"two\" is not an integer")]
    [InlineData("vcpus: \"2\"", "vcpus: \"2\" is a string; write 2 without quotes")]
    [InlineData("vcpus: '2'", "vcpus: \"2\" is a string; write 2 without quotes")]
    [InlineData("vcpus: 1.5", "vcpus: \"1.5\" is not an integer")]
    [InlineData("vcpus: true", "vcpus: \"true\" is not an integer")]
    [InlineData("vcpus: 99999999999", "is too large for an integer")]
    [InlineData("vcpus: {n: 2}", "vcpus: is a mapping; expected an integer")]
    [InlineData("vcpus: [2]", "vcpus: is a list; expected an integer")]
    [InlineData("serial: yes", "serial: \"yes\" is not a boolean; write true or false")]
    [InlineData("autostart: \"true\"", "autostart: \"true\" is a string; write true without quotes")]
    [InlineData("autostart: 1", "autostart: \"1\" is not a boolean")]
    [InlineData("description: 42", "description: \"42\" is an integer, not text; put it in quotes (\"42\")")]
    [InlineData("image: false", "image: \"false\" is a boolean, not text")]
    [InlineData("machine: [q35]", "machine: is a list; expected text")]
    [InlineData("on_crash: reboot", "on_crash: \"reboot\" is not a crash action; use one of destroy, restart, preserve")]
    [InlineData("on_crash: restrat", "did you mean \"restart\"?")]
    [InlineData("graphics: vnc", "graphics: \"vnc\" is text; expected a mapping such as {type: vnc}")]
    [InlineData("boot: /vmlinuz", "boot: \"/vmlinuz\" is a string; expected a mapping")]
    [InlineData("disks: /a.img", "disks: \"/a.img\" is a string; expected a list")]
    [InlineData("graphics: {port: \"5901\"}", "graphics.port: \"5901\" is a string; write 5901 without quotes")]
    public void Wrong_types_name_the_expected_type(string line, string expected)
    {
        var result = VmSpecParser.Parse(Lines("name: web1", line));
        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_numeric_name_must_be_quoted()
    {
        AssertParseError(Lines("name: 2024"), "name", "put it in quotes");
        Assert.Equal("2024", ParseOk(Lines("name: \"2024\"", "boot: {kernel: /k}")).Name);
    }

    [Fact]
    public void A_missing_name_is_reported() =>
        AssertParseError(Lines("vcpus: 2"), "name", "name: missing; every VM needs a name");

    [Theory]
    [InlineData("512", 512)]
    [InlineData("512MiB", 512)]
    [InlineData("512M", 512)]
    [InlineData("2G", 2048)]
    [InlineData("2GiB", 2048)]
    [InlineData("\"2G\"", 2048)]
    [InlineData("1.5G", 1536)]
    [InlineData("1024KiB", 1)]
    [InlineData("2048 MiB", 2048)]
    [InlineData("1T", 1048576)]
    public void Memory_accepts_MiB_or_a_size_with_a_unit(string value, long mib) =>
        Assert.Equal(mib, ParseOk(Lines("name: web1", $"memory: {value}")).Memory);

    [Theory]
    [InlineData("\"512\"", "is a string; write 512 without quotes (MiB) or add a unit")]
    [InlineData("1.5", "is not a whole number of MiB")]
    [InlineData("2GB", "ambiguous")]
    [InlineData("abc", "is not a size")]
    [InlineData("-1G", "is negative")]
    [InlineData("1.2.3G", "is not a size")]
    [InlineData("0G", "is zero")]
    [InlineData("1536K", "not a whole number of MiB")]
    [InlineData("99999999999999999999", "is too large")]
    [InlineData("true", "is not a size")]
    public void Memory_rejects_bad_sizes(string value, string fragment) =>
        AssertParseError(Lines("name: web1", $"memory: {value}"), "memory", fragment);

    [Fact]
    public void Boot_order_must_be_a_list_of_names()
    {
        AssertParseError(Lines("name: web1", "boot: {order: disk}"), "boot.order", "expected a list such as [disk, cdrom]");
        AssertParseError(Lines("name: web1", "boot: {order: [disk, 1]}"), "boot.order[1]", "is an integer, not text");
        AssertParseError(Lines("name: web1", "boot: {order: [disk, ~]}"), "boot.order[1]", "is empty");
    }

    [Fact]
    public void List_entries_must_be_mappings()
    {
        AssertParseError(Lines("name: web1", "disks:", "  - /a.img"), "disks[0]", "\"/a.img\" is a string; expected a mapping");
        AssertParseError(Lines("name: web1", "nics:", "  -", "  - {type: user}"), "nics[0]", "is empty; remove the lone \"-\"");
    }

    [Fact]
    public void Error_values_show_control_characters_escaped()
    {
        var error = AssertParseError(Lines("name: web1", "vcpus: \"\\a2\""), "vcpus", "\\u0007");
        Assert.DoesNotContain('\a', error.ToString());
    }

    [Fact]
    public void Errors_in_different_sections_are_all_reported_in_document_order()
    {
        var result = VmSpecParser.Parse(Lines(
            "name: web1",
            "vcpus: two",
            "disks:",
            "  - {path: /a, fromat: raw}",
            "nics:",
            "  - {type: user, mac: 5}",
            "autostart: maybe"));
        Assert.Equal(["vcpus", "disks[0].fromat", "nics[0].mac", "autostart"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Messages_never_echo_raw_control_characters_from_values_or_keys()
    {
        var result = VmSpecParser.Parse(Lines("name: web1", "graphics: \"a\\e[2J\"", "\"k\\a\": 1"));
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.DoesNotContain(e.ToString(), c => char.IsControl(c)));
        Assert.Equal("k\\u0007", result.Errors[1].Field);
    }

    [Fact]
    public void Invisible_format_characters_are_shown_escaped()
    {
        var error = AssertParseError(Lines("name: web1", "\"na\u202eme\": x"), "na\\u202eme", "unknown field");
        Assert.DoesNotContain('\u202e', error.ToString());
    }

    [Fact]
    public void Descriptions_may_hold_emoji_sequences() =>
        Assert.Equal("family \U0001F468\u200D\U0001F469", ParseOk(Lines("name: web1", "description: \"family \U0001F468\u200D\U0001F469\"")).Description);
}

using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Vireo.Contracts;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

/// <summary>Properties over generated input: the parser never throws, and writer output always parses back.</summary>
public class SpecPropertyTests
{
    // Characters that mean something to YAML or to a terminal, plus ordinary ones and a surrogate pair.
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "7", " ", "-", "_", ".", ":", "/", "#", "\"", "'", "\\", "\n", "\t", "{", "}", "[", "]", ",",
        "&", "*", "!", "|", ">", "%", "@", "`", "~", "?", "=", "+", "\u0007", "\u001b", "\u0085", "\u00e9", "\u2028",
        "\ufeff", "\U0001F600", "true", "null", "1.5", "0x1F", ".inf", "---", "...", "2G",
    ];

    private static readonly Gen<string> Text =
        Gen.ArrayOf(Gen.Elements(Pieces)).Select(parts => string.Concat(parts));

    private static readonly Gen<string?> OptionalText = Gen.OneOf(Gen.Constant<string?>(null), Text.Select(s => (string?)s));

    private static readonly Gen<DiskSpec> Disks =
        from path in OptionalText
        from format in OptionalText
        from device in Gen.OneOf(Gen.Elements("disk", "cdrom"), Text)
        from bus in OptionalText
        from ro in Gen.Elements(true, false)
        from serial in OptionalText
        select new DiskSpec { Path = path, Format = format, Device = device, Bus = bus, Readonly = ro, Serial = serial };

    private static readonly Gen<NicSpec> Nics =
        from type in Gen.OneOf(Gen.Elements("user", "bridge"), Text)
        from bridge in OptionalText
        from mac in OptionalText
        from model in Gen.OneOf(Gen.Constant("virtio"), Text)
        select new NicSpec { Type = type, Bridge = bridge, Mac = mac, Model = model };

    private static readonly Gen<VmSpec> Specs =
        from name in Text
        from uuid in OptionalText
        from description in OptionalText
        from vcpus in Gen.Choose(-3, 300)
        from memory in Gen.OneOf(Gen.Choose(-10, 100000).Select(i => (long)i), Gen.Elements(512L, 2048L, 1536L, 1L << 40))
        from machine in Gen.OneOf(Gen.Constant("q35"), Text)
        from cpu in Gen.OneOf(Gen.Constant("auto"), Text)
        from kernel in OptionalText
        from cmdline in OptionalText
        from order in Gen.ArrayOf(Text).Resize(6)
        from disks in Gen.ArrayOf(Disks).Resize(4)
        from nics in Gen.ArrayOf(Nics).Resize(4)
        from serial in Gen.Elements(true, false)
        from gtype in Gen.OneOf(Gen.Constant("vnc"), Text)
        from port in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 70000).Select(p => (int?)p))
        from autostart in Gen.Elements(true, false)
        from onCrash in Gen.Elements(OnCrash.Destroy, OnCrash.Restart, OnCrash.Preserve)
        select new VmSpec
        {
            Name = name, Uuid = uuid, Description = description, Vcpus = vcpus, Memory = memory, Machine = machine,
            Cpu = cpu, Boot = new BootSpec { Kernel = kernel, Cmdline = cmdline, Order = order },
            Disks = disks, Nics = nics, Serial = serial, Graphics = new GraphicsSpec { Type = gtype, Port = port },
            Autostart = autostart, OnCrash = onCrash,
        };

    [Property(MaxTest = 500)]
    public Property Any_spec_written_as_yaml_parses_back_to_an_equal_spec() =>
        Prop.ForAll(Specs.ToArbitrary(), spec =>
        {
            var yaml = VmSpecWriter.ToYaml(spec);
            var result = VmSpecParser.Parse(yaml);
            return (result.Success && SpecTestKit.ToJson(result.Spec!) == SpecTestKit.ToJson(spec))
                .Label($"YAML:\n{yaml}\nerrors:\n{result}");
        });

    [Property(MaxTest = 1000)]
    public Property The_parser_never_throws_on_yaml_like_noise() =>
        Prop.ForAll(Text.ToArbitrary(), text => ParsesWithoutThrowing(text));

    [Property(MaxTest = 500)]
    public Property The_parser_never_throws_on_a_mangled_spec() =>
        Prop.ForAll(
            (from spec in Specs
             from position in Gen.Choose(0, 10000)
             from cut in Gen.Choose(0, 20)
             from insert in Text
             select (VmSpecWriter.ToYaml(spec), position, cut, insert)).ToArbitrary(),
            t =>
            {
                var (yaml, position, cut, insert) = t;
                var at = position % (yaml.Length + 1);
                var mangled = new StringBuilder(yaml).Remove(at, Math.Min(cut, yaml.Length - at)).Insert(at, insert).ToString();
                return ParsesWithoutThrowing(mangled).Label("input: " + DisplayTextForTest(mangled));
            });

    [Property(MaxTest = 500)]
    public Property The_parser_never_throws_on_arbitrary_strings(NonNull<string> text) =>
        ParsesWithoutThrowing(text.Get).ToProperty();

    private static string DisplayTextForTest(string text)
    {
        try
        {
            return text.Replace("\n", "⏎\n") + "\n=> " + VmSpecParser.ParseAndValidate(text, SpecTestKit.Limits);
        }
        catch (Exception ex)
        {
            return text + "\n=> " + ex;
        }
    }

    private static bool ParsesWithoutThrowing(string text)
    {
        var result = VmSpecParser.ParseAndValidate(text, SpecTestKit.Limits);
        return (result.Spec is null) == (result.Errors.Count > 0)
               && result.Errors.All(e => !e.ToString().Any(c => char.IsControl(c) && c != '\n'));
    }
}

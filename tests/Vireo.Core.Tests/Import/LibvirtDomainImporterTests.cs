using System.Runtime.CompilerServices;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Import;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Import;

/// <summary>
/// <c>vireo import-libvirt</c>'s converter: a table of domain XMLs (Golden/NAME.xml) and the YAML (NAME.yaml) and
/// unmapped list (NAME.unmapped, one "element: reason" a line) each gives. VIREO_UPDATE_GOLDEN=1 rewrites the
/// expected files (review the diff).
/// </summary>
public sealed class LibvirtDomainImporterTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var xml in Directory.EnumerateFiles(GoldenDir(), "*.xml").Order())
            data.Add(Path.GetFileNameWithoutExtension(xml));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_domain_converts_to_its_golden_spec_and_unmapped_list(string name)
    {
        var result = LibvirtDomainImporter.Import(File.ReadAllText(Path.Combine(GoldenDir(), name + ".xml")));
        var unmapped = string.Concat(result.Unmapped.Select(u => $"{u.Element}: {u.Reason}\n"));
        var yamlFile = Path.Combine(GoldenDir(), name + ".yaml");
        var unmappedFile = Path.Combine(GoldenDir(), name + ".unmapped");
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(yamlFile, result.Yaml);
            File.WriteAllText(unmappedFile, unmapped);
        }
        Assert.Equal(File.ReadAllText(yamlFile), result.Yaml);
        Assert.Equal(File.ReadAllText(unmappedFile), unmapped);

        // The YAML is the spec, and it parses back to it.
        Assert.Equal(result.Yaml, VmSpecWriter.ToYaml(result.Spec));
        var parsed = VmSpecParser.Parse(result.Yaml);
        Assert.Empty(parsed.Errors);
        Assert.Equal(result.Yaml, VmSpecWriter.ToYaml(parsed.Spec!));
        Assert.All(result.Unmapped, u => Assert.Matches("^(not mapped|handled by Vireo itself): ", u.Reason));
    }

    [Fact]
    public void Every_element_and_attribute_is_mapped_or_listed()
    {
        // An element and attributes no rule knows still come out, with their locations.
        var result = LibvirtDomainImporter.Import("""
            <domain type='kvm' xmlns:x='urn:x'>
              <name>n1</name><memory>524288</memory>
              <frobnicate level='3'><deep/></frobnicate>
              <devices>
                <interface type='user' x:odd='1'><model type='virtio'/><mtu size='9000'/></interface>
                <interface type='user'><model type='virtio' flavour='new'/></interface>
              </devices>
            </domain>
            """);
        Assert.Equal(
            [
                "domain/frobnicate: not mapped: Vireo has no equivalent of <frobnicate>",
                "domain/devices/interface[1]@odd: not mapped: Vireo has no equivalent of interface@odd",
                "domain/devices/interface[1]/mtu: not mapped: Vireo has no equivalent of <mtu>",
                "domain/devices/interface[2]/model@flavour: not mapped: Vireo has no equivalent of model@flavour",
            ],
            result.Unmapped.Select(u => $"{u.Element}: {u.Reason}"));
        Assert.Equal(512, result.Spec.Memory);
        Assert.False(result.Spec.Serial);
        Assert.Equal("none", result.Spec.Graphics.Type);
    }

    [Theory]
    [InlineData("2097152", "KiB", 2048)]
    [InlineData("2", "G", 2048)]
    [InlineData("2", "GiB", 2048)]
    [InlineData("2147483648", "bytes", 2048)]
    [InlineData("2048", "m", 2048)]
    [InlineData("2000", "MB", 1907)]
    public void Memory_units_are_libvirts(string value, string unit, long mib)
    {
        var result = LibvirtDomainImporter.Import($"<domain type='kvm'><name>m</name><memory unit='{unit}'>{value}</memory></domain>");
        Assert.Equal(mib, result.Spec.Memory);
        Assert.Null(result.Spec.MaxMemory);
    }

    [Theory]
    [InlineData("not xml at all", "(document)", "is not well-formed XML")]
    [InlineData("<domain><name>a</name>", "(document)", "line 1, position")]
    [InlineData("<network><name>default</name></network>", "(document)", "is not a libvirt domain")]
    [InlineData("<domain type='kvm'><memory>1048576</memory></domain>", "domain/name", "missing")]
    [InlineData("<domain type='xen'><name>x</name><memory>1048576</memory></domain>", "domain@type", "is a xen domain")]
    [InlineData("<domain type='kvm'><name>x</name><memory>1048576</memory><devices><disk type='file' device='disk'><source file='/a.img'/></disk><disk type='file' device='disk'><driver name='qemu'/><source file='/b.img'/></disk></devices></domain>",
        "domain/devices/disk[2]/driver@type", "Vireo never probes image formats")]
    [InlineData("<domain type='kvm'><name>x</name><memory>1048576</memory><devices><disk type='file'><driver type='vmdk'/><source file='/a.vmdk'/></disk></devices></domain>",
        "domain/devices/disk/driver@type", "is not a format Vireo opens")]
    [InlineData("<domain type='kvm'><name>x</name><memory unit='KB'>lots</memory></domain>", "domain/memory", "is not a whole number")]
    public void Bad_input_is_refused_naming_the_element(string xml, string field, string says)
    {
        var e = Assert.Throws<InvalidInputException>(() => LibvirtDomainImporter.Import(xml));
        Assert.StartsWith("invalid libvirt domain: ", e.Message);
        var error = Assert.Single(e.FieldErrors, f => f.Field == field);
        Assert.Contains(says, error.ToString());
    }

    [Fact]
    public void Two_disks_without_format_are_both_reported()
    {
        var e = Assert.Throws<InvalidInputException>(() => LibvirtDomainImporter.Import(
            "<domain><name>x</name><memory>1048576</memory><devices><disk type='file'><source file='/a'/></disk><disk type='file'><source file='/b'/></disk></devices></domain>"));
        Assert.Equal(["domain/devices/disk[1]/driver@type", "domain/devices/disk[2]/driver@type"], e.FieldErrors.Select(f => f.Field));
        Assert.Contains("qemu-img info /a", e.FieldErrors[0].Hint);
    }

    [Fact]
    public void A_DTD_is_refused_before_any_entity_expands()
    {
        const string laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
            ]>
            <domain><name>&lol9;</name></domain>
            """;
        var e = Assert.Throws<InvalidInputException>(() => LibvirtDomainImporter.Import(laughs));
        Assert.Contains("document type declaration", e.Message);
        var external = Assert.Throws<InvalidInputException>(() => LibvirtDomainImporter.Import(
            "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><domain><name>&x;</name></domain>"));
        Assert.Contains("document type declaration", external.Message);
    }

    [Fact]
    public void A_document_over_the_limit_is_refused()
    {
        var big = "<domain><name>x</name><description>" + new string('a', LibvirtDomainImporter.MaxChars) + "</description></domain>";
        var e = Assert.Throws<InvalidInputException>(() => LibvirtDomainImporter.Import(big));
        Assert.Contains("larger than 1024 KiB", e.Message);
    }

    private static string GoldenDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Golden");
}

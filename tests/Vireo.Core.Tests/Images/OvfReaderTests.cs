using Vireo.Core.Errors;
using Vireo.Core.Images;

namespace Vireo.Core.Tests.Images;

public sealed class OvfReaderTests
{
    /// <summary>An OVF as VirtualBox/VMware write it: two disks, 2 vCPUs, 2 GiB, an E1000 and a VmxNet3 NIC.</summary>
    public const string Sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
                  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
          <References>
            <File ovf:id="file1" ovf:href="web-disk1.vmdk"/>
            <File ovf:id="file2" ovf:href="web-disk2.vmdk"/>
          </References>
          <DiskSection>
            <Info>Virtual disks</Info>
            <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="64" ovf:capacityAllocationUnits="byte * 2^20"
                  ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
            <Disk ovf:diskId="vmdisk2" ovf:fileRef="file2" ovf:capacity="33554432"
                  ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
          </DiskSection>
          <VirtualSystem ovf:id="web-appliance">
            <Info>A web server</Info>
            <VirtualHardwareSection>
              <Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
              <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>2048</rasd:VirtualQuantity></Item>
              <Item><rasd:Connection>VM Network</rasd:Connection><rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
              <Item><rasd:Connection>Backend</rasd:Connection><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
              <Item><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:ResourceType>17</rasd:ResourceType></Item>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """;

    [Fact]
    public void Disks_cpus_memory_and_nics_are_read()
    {
        var ovf = OvfReader.Parse(Sample);
        Assert.Equal("web-appliance", ovf.Name);
        Assert.Equal(["web-disk1.vmdk", "web-disk2.vmdk"], ovf.Disks.Select(d => d.File));
        Assert.All(ovf.Disks, d => Assert.Equal("vmdk", d.Format));
        Assert.Equal(64L << 20, ovf.Disks[0].CapacityBytes);
        Assert.Equal(33554432, ovf.Disks[1].CapacityBytes);
        Assert.Equal(2, ovf.Hardware.Vcpus);
        Assert.Equal(2048, ovf.Hardware.Memory);
        Assert.Equal(2, ovf.Hardware.Disks);
        Assert.Equal([("e1000e", "E1000", "VM Network"), ("virtio", "VmxNet3", "Backend")],
            ovf.Hardware.Nics.Select(n => (n.Model, n.DeclaredModel, n.Network)));
    }

    [Theory]
    // A DTD (billion laughs, external entities) is refused before any entity is expanded.
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><Envelope>&lol2;</Envelope>", "DTD")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/shadow\">]><Envelope>&x;</Envelope>", "DTD")]
    [InlineData("<Envelope><References><File id=\"f\" href=\"../../etc/shadow\"/></References></Envelope>", "plain file name")]
    [InlineData("<Envelope><References><File id=\"f\" href=\"/etc/shadow\"/></References></Envelope>", "plain file name")]
    [InlineData("<Envelope><References><File id=\"f\" href=\"http://evil.example/d.vmdk\"/></References></Envelope>", "plain file name")]
    [InlineData("<Envelope><References/><DiskSection><Disk diskId=\"d\" fileRef=\"nope\"/></DiskSection></Envelope>", "do not list")]
    [InlineData("<Envelope/>", "declares no disk")]
    [InlineData("<Project/>", "not an OVF descriptor")]
    [InlineData("<Envelope><References><File id=\"f\" href=\"d.vmdk\"/></References><DiskSection><Disk diskId=\"d\" fileRef=\"f\"/></DiskSection>"
        + "<VirtualSystem id=\"v\"><VirtualHardwareSection><Item><ResourceType>3</ResourceType><VirtualQuantity>99999</VirtualQuantity></Item></VirtualHardwareSection></VirtualSystem></Envelope>", "vCPUs")]
    [InlineData("<Envelope><References><File id=\"f\" href=\"d.vmdk\"/></References><DiskSection><Disk diskId=\"d\" fileRef=\"f\"/></DiskSection>"
        + "<VirtualSystem id=\"v\"><VirtualHardwareSection><Item><ResourceType>4</ResourceType><AllocationUnits>byte * 2^60</AllocationUnits><VirtualQuantity>999999999</VirtualQuantity></Item></VirtualHardwareSection></VirtualSystem></Envelope>", "units")]
    [InlineData("<Envelope><unclosed>", "not a readable OVF")]
    public void Hostile_or_broken_descriptors_are_refused_with_a_reason(string xml, string reason)
    {
        var e = Assert.Throws<InvalidInputException>(() => OvfReader.Parse(xml));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal("file", e.FieldErrors[0].Field);
    }

    [Fact]
    public void A_descriptor_past_the_size_limit_is_refused()
    {
        var huge = "<Envelope>" + new string(' ', OvfReader.MaxChars + 10) + "</Envelope>";
        Assert.Throws<InvalidInputException>(() => OvfReader.Parse(huge));
    }
}

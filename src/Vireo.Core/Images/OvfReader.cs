using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Images;

/// <summary>One disk an OVF declares: the file (a name next to the descriptor) and its format.</summary>
public sealed record OvfDisk(string Id, string File, string Format, long? CapacityBytes);

/// <summary>What an OVF descriptor declares: its disks in order, and the hardware of its (first) virtual system.</summary>
public sealed record OvfDescriptor(string? Name, IReadOnlyList<OvfDisk> Disks, ImageHardware Hardware);

/// <summary>
/// Reads an OVF descriptor (DMTF DSP0243, as VMware, VirtualBox and virt-v2v write it) with hardened XML settings: no
/// DTD, no external resolution, a size limit. Disk files must be plain names in the appliance (no directories, no
/// URLs). Only what Vireo uses is read: disks, vCPUs, memory and NICs; anything malformed is an error naming it.
/// </summary>
public static class OvfReader
{
    /// <summary>Largest descriptor read (OVFs are a few KiB).</summary>
    public const int MaxChars = 1 << 20;
    private const int MaxDisks = 16;
    private const int MaxNics = 16;

    private static readonly XNamespace Ovf = "http://schemas.dmtf.org/ovf/envelope/1";
    private static readonly XNamespace Rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";

    public static OvfDescriptor Parse(string xml, string field = "file")
    {
        ArgumentNullException.ThrowIfNull(xml);
        XDocument doc;
        try
        {
            doc = Vireo.Core.Xml.SafeXml.Load(xml, MaxChars);
        }
        catch (XmlException e)
        {
            throw Bad(field, $"is not a readable OVF descriptor: {e.Message}");
        }
        var root = doc.Root!;
        if (root.Name.LocalName != "Envelope")
            throw Bad(field, $"is not an OVF descriptor: its root element is <{root.Name.LocalName}>, not <Envelope>");

        // References: file id -> href. Only plain names inside the appliance are accepted.
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Children(root, "References").SelectMany(r => Children(r, "File")))
        {
            var id = Attr(f, "id") ?? throw Bad(field, "declares a <File> without an ovf:id");
            var href = Attr(f, "href") ?? throw Bad(field, $"declares the file \"{id}\" without an ovf:href");
            if (href.Length == 0 || href.Contains('/') || href.Contains('\\') || href.Contains(':') || href is "." or ".." || href.Any(char.IsControl))
                throw Bad(field, $"names the disk file \"{Clip(href)}\": only a plain file name inside the appliance is accepted (no directories, no URLs)");
            files[id] = href;
        }

        var disks = new List<OvfDisk>();
        foreach (var d in Children(root, "DiskSection").SelectMany(s => Children(s, "Disk")))
        {
            if (disks.Count == MaxDisks)
                throw Bad(field, $"declares more than {MaxDisks} disks");
            var id = Attr(d, "diskId") ?? throw Bad(field, "declares a <Disk> without an ovf:diskId");
            var fileRef = Attr(d, "fileRef") ?? throw Bad(field, $"declares the disk \"{Clip(id)}\" without a file (an empty disk); Vireo imports disks that have data");
            if (!files.TryGetValue(fileRef, out var file))
                throw Bad(field, $"declares the disk \"{Clip(id)}\" on the file \"{Clip(fileRef)}\", which its <References> do not list");
            var formatUri = Attr(d, "format") ?? "";
            var format = formatUri.Contains("vmdk", StringComparison.OrdinalIgnoreCase) || formatUri.Contains("vmware", StringComparison.OrdinalIgnoreCase) ? "vmdk"
                : formatUri.Contains("vhdx", StringComparison.OrdinalIgnoreCase) ? "vhdx"
                : formatUri.Contains("vdi", StringComparison.OrdinalIgnoreCase) || formatUri.Contains("virtualbox", StringComparison.OrdinalIgnoreCase) ? "vdi"
                : formatUri.Contains("qcow", StringComparison.OrdinalIgnoreCase) ? "qcow2"
                : formatUri.Contains("raw", StringComparison.OrdinalIgnoreCase) ? "raw"
                : "";
            long? capacity = null;
            if (Attr(d, "capacity") is { } cap)
                capacity = Bytes(cap, Attr(d, "capacityAllocationUnits"), field, $"the capacity of disk \"{Clip(id)}\"");
            disks.Add(new OvfDisk(id, file, format, capacity));
        }
        if (disks.Count == 0)
            throw Bad(field, "declares no disk (no <DiskSection> with a <Disk> on a file)");

        var system = root.Descendants(Ovf + "VirtualSystem").FirstOrDefault() ?? root.Descendants().FirstOrDefault(e => e.Name.LocalName == "VirtualSystem");
        int? vcpus = null;
        long? memoryMiB = null;
        var nics = new List<ImageNic>();
        if (system is not null)
        {
            foreach (var item in system.Descendants().Where(e => e.Name.LocalName is "Item" or "EthernetPortItem"))
            {
                var type = Rasd1(item, "ResourceType");
                switch (type)
                {
                    case "3":
                        if (!int.TryParse(Rasd1(item, "VirtualQuantity"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 1024)
                            throw Bad(field, $"declares {Clip(Rasd1(item, "VirtualQuantity") ?? "no")} vCPUs; expected a number from 1 to 1024");
                        vcpus = n;
                        break;
                    case "4":
                        var bytes = Bytes(Rasd1(item, "VirtualQuantity") ?? "", Rasd1(item, "AllocationUnits") ?? "byte * 2^20", field, "the memory");
                        if (bytes < 16L << 20 || bytes > 16L << 40)
                            throw Bad(field, $"declares {bytes / (1 << 20)} MiB of memory; expected 16 MiB to 16 TiB");
                        memoryMiB = bytes / (1 << 20);
                        break;
                    case "10":
                        if (nics.Count == MaxNics)
                            throw Bad(field, $"declares more than {MaxNics} network adapters");
                        nics.Add(new ImageNic
                        {
                            Model = NicModel(Rasd1(item, "ResourceSubType")),
                            DeclaredModel = Clip(Rasd1(item, "ResourceSubType") ?? ""),
                            Network = Clip(Rasd1(item, "Connection") ?? ""),
                        });
                        break;
                }
            }
        }
        var name = system is null ? null : Attr(system, "id") ?? system.Elements().FirstOrDefault(e => e.Name.LocalName == "Name")?.Value;
        return new OvfDescriptor(name is null ? null : Clip(name), disks,
            new ImageHardware { Vcpus = vcpus, Memory = memoryMiB, Nics = nics, Disks = disks.Count });
    }

    /// <summary>virtio when the appliance leaves it open; e1000e for E1000/E1000e (what the guest has drivers for); rtl8139 for PCNet-like cards.</summary>
    private static string NicModel(string? declared) => declared?.ToLowerInvariant() switch
    {
        null or "" => "virtio",
        var s when s.Contains("virtio") => "virtio",
        var s when s.Contains("e1000") => "e1000e",
        var s when s.Contains("pcnet") || s.Contains("rtl8139") => "rtl8139",
        _ => "virtio",
    };

    /// <summary>A quantity in bytes from OVF's programmatic units (<c>byte * 2^20</c>, <c>MegaBytes</c>, <c>GB</c>...).</summary>
    private static long Bytes(string quantity, string? units, string field, string what)
    {
        if (!long.TryParse(quantity.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 0)
            throw Bad(field, $"gives {what} as \"{Clip(quantity)}\"; expected a whole number");
        var u = (units ?? "byte").Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        long factor;
        if (u is "byte" or "bytes" or "") factor = 1;
        else if (u.StartsWith("byte*2^", StringComparison.Ordinal) && int.TryParse(u[7..], NumberStyles.None, CultureInfo.InvariantCulture, out var exp) && exp <= 50) factor = 1L << exp;
        else if (u is "kilobytes" or "kb" or "kib") factor = 1L << 10;
        else if (u is "megabytes" or "mb" or "mib") factor = 1L << 20;
        else if (u is "gigabytes" or "gb" or "gib") factor = 1L << 30;
        else throw Bad(field, $"gives {what} in the units \"{Clip(units ?? "")}\", which Vireo does not read; expected e.g. byte * 2^20");
        try
        {
            return checked(value * factor);
        }
        catch (OverflowException)
        {
            throw Bad(field, $"gives {what} as {Clip(quantity)} × {Clip(units ?? "")}, which is too large");
        }
    }

    private static IEnumerable<XElement> Children(XElement parent, string localName) => parent.Elements().Where(e => e.Name.LocalName == localName);

    private static string? Attr(XElement e, string localName) =>
        (e.Attribute(Ovf + localName) ?? e.Attributes().FirstOrDefault(a => a.Name.LocalName == localName))?.Value;

    private static string? Rasd1(XElement item, string localName) =>
        (item.Element(Rasd + localName) ?? item.Elements().FirstOrDefault(e => e.Name.LocalName == localName))?.Value.Trim();

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static InvalidInputException Bad(string field, string message) =>
        InvalidInputException.For("image import", [new FieldError { Field = field, Message = "the OVF descriptor " + message }]);
}

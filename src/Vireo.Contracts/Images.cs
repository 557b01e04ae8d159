namespace Vireo.Contracts;

/// <summary>Hardware an imported appliance declares (OVF): the defaults <c>vireo create --image</c> uses.</summary>
public sealed record ImageHardware
{
    /// <summary>Virtual CPUs.</summary>
    public int? Vcpus { get; init; }
    /// <summary>Memory in MiB.</summary>
    public long? Memory { get; init; }
    /// <summary>Network adapters, in order.</summary>
    public IReadOnlyList<ImageNic> Nics { get; init; } = [];
    /// <summary>Number of disks.</summary>
    public int Disks { get; init; }
}

/// <summary>A network adapter an appliance declares.</summary>
public sealed record ImageNic
{
    /// <summary>The model Vireo gives it: <c>virtio</c>, <c>e1000e</c> or <c>rtl8139</c>.</summary>
    public required string Model { get; init; }
    /// <summary>The model the appliance names (<c>E1000</c>, <c>VmxNet3</c>...), as written.</summary>
    public string? DeclaredModel { get; init; }
    /// <summary>The network the appliance connects it to (its own name; not a Vireo network).</summary>
    public string? Network { get; init; }
}

/// <summary>Body of <c>POST /v1/images</c>: imports an image file into the catalogue (an operation).</summary>
public sealed record ImageImportRequest
{
    /// <summary>Image name: letters, digits, '.', '_', '-'.</summary>
    public required string Name { get; init; }
    /// <summary>Absolute path of the file on the host: a disk image (qcow2, raw, vmdk, vdi, vhdx), an OVA or an OVF.</summary>
    public required string From { get; init; }
    /// <summary>Its OS, an osinfo id (<c>debian12</c>): required.</summary>
    public required string Os { get; init; }
    /// <summary>Its format; null to detect it from the file's header (raw only from a .raw/.img name).</summary>
    public string? Format { get; init; }
    /// <summary>One line about it.</summary>
    public string? Description { get; init; }
    /// <summary>Firmware it boots with (<c>bios</c>, <c>uefi</c>); empty for both, BIOS first.</summary>
    public IReadOnlyList<string> Firmware { get; init; } = [];
    /// <summary>Build recipe key (images Vireo builds).</summary>
    public string? Recipe { get; init; }
    /// <summary>Replace an image of the same name that no VM uses (a rebuilt image).</summary>
    public bool Replace { get; init; }
}

namespace Vireo.Contracts;

/// <summary>
/// The answer to <c>POST /v1/import/libvirt</c> (<c>vireo import-libvirt</c>): the Vireo spec made from a libvirt
/// domain XML, and every element or attribute of it that the spec does not carry, each with the reason.
/// </summary>
public sealed record LibvirtImportResult
{
    /// <summary>The spec as converted (before define fills in a UUID or MACs the XML did not have).</summary>
    public required VmSpec Spec { get; init; }
    /// <summary>The same spec as YAML, as <c>vireo dumpspec</c> writes it.</summary>
    public required string Yaml { get; init; }
    /// <summary>What the spec does not carry, in document order. Empty when everything was mapped.</summary>
    public IReadOnlyList<UnmappedSetting> Unmapped { get; init; } = [];
    /// <summary>True when the VM was defined (false for a dry run).</summary>
    public bool Defined { get; init; }
    /// <summary>The defined VM, when <see cref="Defined"/>.</summary>
    public VmInfo? Vm { get; init; }
}

/// <summary>An element or attribute of a libvirt domain that the Vireo spec does not carry.</summary>
public sealed record UnmappedSetting
{
    /// <summary>XPath-like location, 1-based indices where siblings share a name. Example: <c>domain/devices/disk[2]/driver@io</c>.</summary>
    public required string Element { get; init; }
    /// <summary>
    /// Why, as a sentence starting with <c>not mapped:</c> (the VM will not have it) or <c>handled by Vireo itself:</c>
    /// (Vireo gives every VM its own equivalent).
    /// </summary>
    public required string Reason { get; init; }
}

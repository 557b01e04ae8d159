namespace Vireo.Contracts;

/// <summary>What to put into a CD-ROM drive: an ISO by absolute path, or a volume (<c>POOL/NAME</c>).</summary>
public sealed record MediumRequest
{
    /// <summary>Absolute path of an ISO image (read-only, raw).</summary>
    public string? Path { get; init; }

    /// <summary>A volume holding the ISO, <c>POOL/NAME</c>.</summary>
    public string? Volume { get; init; }
}

/// <summary>A request to clone a stopped VM (<c>vireo clone</c>).</summary>
public sealed record CloneRequest
{
    /// <summary>Name of the new VM. Example: <c>web2</c>.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Linked clone: every writable disk becomes a qcow2 overlay on the source's volume (fast, thin; the source
    /// volume becomes a base that no VM may write any more). Otherwise every disk is copied in full.
    /// </summary>
    public bool Linked { get; init; }

    /// <summary>Pool for the new volumes; default: each source volume's pool, and <c>default</c> for disks given by path.</summary>
    public string? Pool { get; init; }
}

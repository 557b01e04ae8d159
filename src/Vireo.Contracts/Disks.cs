namespace Vireo.Contracts;

/// <summary>What to put into a CD-ROM drive: an ISO by absolute path, or a volume (<c>POOL/NAME</c>).</summary>
public sealed record MediumRequest
{
    /// <summary>Absolute path of an ISO image (read-only, raw).</summary>
    public string? Path { get; init; }

    /// <summary>A volume holding the ISO, <c>POOL/NAME</c>.</summary>
    public string? Volume { get; init; }
}

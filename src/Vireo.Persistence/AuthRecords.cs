namespace Vireo.Persistence;

/// <summary>A stored API token: never the secret, only its SHA-256 (hex).</summary>
public sealed record TokenRecord
{
    public required string Id { get; init; }
    public required string Hash { get; init; }
    public required string Role { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Expires { get; init; }
    public DateTimeOffset? LastUsed { get; init; }
    public DateTimeOffset? Revoked { get; init; }
}

/// <summary>One audit row.</summary>
public sealed record AuditRecord
{
    public long Id { get; init; }
    public DateTimeOffset Time { get; init; }
    public required string Principal { get; init; }
    public string? Role { get; init; }
    public required string Source { get; init; }
    public required string Method { get; init; }
    public required string Path { get; init; }
    public string? Target { get; init; }
    public int Status { get; init; }
}

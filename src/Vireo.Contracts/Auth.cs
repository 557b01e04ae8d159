namespace Vireo.Contracts;

/// <summary>What a caller may do: a viewer reads, an operator runs VMs and their storage, an admin does everything.</summary>
public static class Roles
{
    /// <summary>Safe methods only, no consoles.</summary>
    public const string Viewer = "viewer";
    /// <summary>Everything on VMs, disks, snapshots, volumes, images, operations and consoles; not tokens, audit, networks or host networking.</summary>
    public const string Operator = "operator";
    /// <summary>Everything.</summary>
    public const string Admin = "admin";

    /// <summary>The roles, least to most.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>0 viewer, 1 operator, 2 admin; -1 for anything else.</summary>
    public static int Rank(string? role) => role switch
    {
        Viewer => 0,
        Operator => 1,
        Admin => 2,
        _ => -1,
    };
}

/// <summary><c>POST /v1/tokens</c>.</summary>
public sealed record TokenCreateRequest
{
    /// <summary><c>admin</c>, <c>operator</c> or <c>viewer</c>.</summary>
    public required string Role { get; init; }
    /// <summary>Lifetime such as <c>90d</c>, <c>12h</c>, <c>30m</c>, <c>2w</c> or <c>1y</c>; absent: never expires.</summary>
    public string? ExpiresIn { get; init; }
    /// <summary>What the token is for (free text, at most 200 characters).</summary>
    public string? Description { get; init; }
}

/// <summary>A token as <c>GET /v1/tokens</c> lists it; <see cref="Token"/> only in the answer to its creation.</summary>
public sealed record TokenInfo
{
    /// <summary>The public part of the token (<c>vireo_ID_SECRET</c>), used to list and revoke it.</summary>
    public required string Id { get; init; }
    /// <summary>The whole token: shown once, when it is created; only its hash is stored.</summary>
    public string? Token { get; init; }
    /// <summary>The role: admin, operator or viewer.</summary>
    public required string Role { get; init; }
    /// <summary>What it is for.</summary>
    public string? Description { get; init; }
    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Absent: never expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>When it last authenticated a request (to the minute); absent: never used.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
    /// <summary>When it was revoked; absent: not revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary><c>POST /v1/auth/login</c>: sets the <c>vireo_token</c> cookie for a browser.</summary>
public sealed record LoginRequest
{
    /// <summary>The whole token.</summary>
    public required string Token { get; init; }
}

/// <summary><c>GET /v1/auth/whoami</c> (also the answer to a login).</summary>
public sealed record WhoAmI
{
    /// <summary><c>unix:UID(NAME)</c> on the socket; <c>token:ID</c> over TCP.</summary>
    public required string Principal { get; init; }
    /// <summary>The role: admin, operator or viewer.</summary>
    public required string Role { get; init; }
    /// <summary><c>unix</c>, or the caller's <c>IP:PORT</c>.</summary>
    public required string Source { get; init; }
}

/// <summary>One row of the audit log (<c>GET /v1/audit</c>): a change, or a refused login.</summary>
public sealed record AuditEntry
{
    /// <summary>Row number (grows with time).</summary>
    public long Id { get; init; }
    /// <summary>When.</summary>
    public DateTimeOffset Time { get; init; }
    /// <summary>Who: <c>unix:UID(NAME)</c>, <c>token:ID</c>, or <c>anonymous</c> for a refused token.</summary>
    public required string Principal { get; init; }
    /// <summary>Their role; absent when refused before one was known.</summary>
    public string? Role { get; init; }
    /// <summary><c>unix</c>, or <c>IP:PORT</c>.</summary>
    public required string Source { get; init; }
    /// <summary>The HTTP method.</summary>
    public required string Method { get; init; }
    /// <summary>The request path.</summary>
    public required string Path { get; init; }
    /// <summary>What was acted on, e.g. <c>vm:web1</c>, <c>network:default</c>, <c>token:ID</c>.</summary>
    public string? Target { get; init; }
    /// <summary>The HTTP status answered.</summary>
    public int Status { get; init; }
}

/// <summary>A token's lifetime as written: a number and a unit, <c>30m</c>, <c>12h</c>, <c>90d</c>, <c>2w</c>, <c>1y</c>.</summary>
public static partial class TokenLifetime
{
    /// <summary>What a lifetime looks like, for messages.</summary>
    public const string Form = "a lifetime such as 90d, 12h, 30m, 2w or 1y";

    /// <summary>
    /// The lifetime (at most 100 years); null for null or empty (never expires); <see cref="FormatException"/> whose
    /// message completes "VALUE ..." otherwise.
    /// </summary>
    public static TimeSpan? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var m = Shape().Match(text.Trim());
        if (!m.Success)
            throw new FormatException($"is not {Form} (m minutes, h hours, d days, w weeks, y years)");
        var n = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var days = m.Groups[2].Value switch
        {
            "m" => n / 1440.0,
            "h" => n / 24.0,
            "d" => n,
            "w" => n * 7.0,
            _ => n * 365.0,
        };
        if (n == 0 || days > 36500)
            throw new FormatException("must be more than 0 and at most 100 years");
        return TimeSpan.FromDays(days);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^([0-9]{1,6})([mhdwy])$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Shape();
}

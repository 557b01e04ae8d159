namespace Vireo.Contracts;

/// <summary>
/// Error body of every failed API call (an RFC 9457 problem document with Vireo's stable <see cref="Code"/>).
/// </summary>
public sealed record ApiError
{
    /// <summary>HTTP status.</summary>
    public int Status { get; init; }
    /// <summary>Stable machine-readable code; one of <see cref="ErrorCodes"/>.</summary>
    public required string Code { get; init; }
    /// <summary>Short summary.</summary>
    public required string Title { get; init; }
    /// <summary>What went wrong, as a plain sentence (no command syntax: a web page shows it as it is).</summary>
    public string? Detail { get; init; }
    /// <summary>
    /// What to do about it, kept apart from <see cref="Detail"/> so that each client can show it its own way: the CLI
    /// prints it as a <c>hint:</c> line, a web page as a suggestion. May name a <c>vireo</c> command.
    /// </summary>
    public string? Hint { get; init; }
    /// <summary>Per-field problems (for invalid specs: every problem at once).</summary>
    public IReadOnlyList<FieldError> Errors { get; init; } = [];
    /// <summary>RFC 9457 problem type: <c>urn:vireo:error:CODE</c> (one per <see cref="Code"/>).</summary>
    public string? Type { get; init; }
    /// <summary>RFC 9457 instance: the request's path, e.g. <c>/v1/vms/web1/start</c>.</summary>
    public string? Instance { get; init; }
}

/// <summary>One problem with one field of a request.</summary>
public sealed record FieldError
{
    /// <summary>Field path, e.g. <c>disks[0].format</c>.</summary>
    public required string Field { get; init; }
    /// <summary>The offending value as text, when there is one.</summary>
    public string? Value { get; init; }
    /// <summary>Why it is wrong and what would be right.</summary>
    public required string Message { get; init; }
    /// <summary>What to do about it (may name a <c>vireo</c> command), apart from <see cref="Message"/>.</summary>
    public string? Hint { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        Value is null ? $"{Field}: {Message}" : $"{Field}: \"{Value}\" {Message}";
}

/// <summary>Stable error codes and the HTTP status each maps to.</summary>
public static class ErrorCodes
{
    /// <summary>400: the request or spec is invalid.</summary>
    public const string Invalid = "invalid";
    /// <summary>404: no such VM (or other object).</summary>
    public const string NotFound = "not_found";
    /// <summary>409: the object already exists.</summary>
    public const string AlreadyExists = "already_exists";
    /// <summary>409: the action is not allowed in the VM's current state.</summary>
    public const string InvalidState = "invalid_state";
    /// <summary>
    /// 409: another client holds the resource (e.g. the console), or another operation holds the VM: behind a long one
    /// (shutdown, reboot, backup, snapshot, clone, restore) at once, behind a short one after 30 s. The detail names it.
    /// </summary>
    public const string Busy = "busy";
    /// <summary>502: QEMU refused or failed a command.</summary>
    public const string QemuError = "qemu_error";
    /// <summary>504: QEMU or the guest did not answer in time.</summary>
    public const string Timeout = "timeout";
    /// <summary>500: a bug or an unexpected host failure.</summary>
    public const string Internal = "internal";
    /// <summary>500: a change to the host (bridge, tap, firewall, DHCP server) failed; the message says which.</summary>
    public const string HostError = "host_error";
    /// <summary>503: a host prerequisite is missing (e.g. the image is not built, QEMU is not installed).</summary>
    public const string Unavailable = "unavailable";
    /// <summary>
    /// The request carried a revision (<c>If-Match</c>) and the definition has changed since (HTTP 412): someone
    /// else edited the VM. Read it again and redo the change.
    /// </summary>
    public const string Stale = "stale";
    /// <summary>401: no token, or one that is unknown, malformed, revoked or expired (TCP listener only).</summary>
    public const string Unauthorized = "unauthorized";
    /// <summary>403: the caller's role may not do this, or a cookie request lacks its CSRF header or Origin.</summary>
    public const string Forbidden = "forbidden";
    /// <summary>429: too many failed logins from this address; the Retry-After header says when to try again.</summary>
    public const string RateLimited = "rate_limited";
}

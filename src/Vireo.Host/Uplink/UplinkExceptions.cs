namespace Vireo.Host.Uplink;

/// <summary>
/// The conversion was refused before anything changed. <see cref="Field"/> names the request field at fault
/// (<c>bridge</c>, <c>from</c>, <c>check</c> or <c>timeout</c>), <see cref="Value"/> its value; the message says what
/// is wrong with that value (it reads after it: "ens99" is not an interface on this host), <see cref="Hint"/> what to
/// do when there is a command for it.
/// </summary>
public sealed class UplinkRefusedException(string field, string value, string message, string? hint = null) : Exception(message)
{
    /// <summary>What to do, apart from the message (may name a command); null when the message says it.</summary>
    public string? Hint { get; } = hint;

    /// <summary><c>bridge</c>, <c>from</c> or <c>check</c>.</summary>
    public string Field { get; } = field;

    /// <summary>The value that was refused.</summary>
    public string Value { get; } = value;
}

/// <summary>
/// The conversion was applied, the check (or the apply itself) failed or was cancelled, and everything was rolled
/// back: the NIC is verified to be exactly as before and the bridge is gone.
/// </summary>
public sealed class UplinkRolledBackException(string message, bool cancelled, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>True when the rollback was caused by cancellation rather than by a failed check.</summary>
    public bool Cancelled { get; } = cancelled;
}

/// <summary>
/// The rollback ran but the NIC is not as it was before. The message lists every difference and the commands
/// that restore the NIC by hand; this is the one outcome that needs a person.
/// </summary>
public sealed class UplinkRollbackFailedException(string message, IReadOnlyList<string> differences, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>Each way the NIC differs from its state before the conversion.</summary>
    public IReadOnlyList<string> Differences { get; } = differences;

    /// <summary>The commands that restore the NIC by hand.</summary>
    public string? Hint { get; init; }
}

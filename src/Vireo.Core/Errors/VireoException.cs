using Vireo.Contracts;

namespace Vireo.Core.Errors;

/// <summary>
/// Base of every error the engine reports to users. Each subclass carries one stable <see cref="ErrorCodes"/>
/// value; the daemon maps codes to HTTP statuses in one table.
/// </summary>
public abstract class VireoException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Stable machine-readable code (see <see cref="ErrorCodes"/>).</summary>
    public string Code { get; } = code;

    /// <summary>Per-field problems, when the error is about input.</summary>
    public virtual IReadOnlyList<FieldError> FieldErrors => [];

    /// <summary>
    /// What the user can do about it, apart from the message: the message is a plain sentence a web page can show,
    /// the hint may name a command (the CLI prints it as <c>hint:</c>). Set with an object initializer.
    /// </summary>
    public string? Hint { get; init; }
}

/// <summary>
/// The object a request is about (the VM, network, snapshot... its path names) does not exist. An object that is only
/// named inside a request (a spec's network, a clone's pool) is an <see cref="InvalidInputException"/> on its field.
/// </summary>
public sealed class NotFoundException : VireoException
{
    /// <param name="kind">What was looked for, as users name it ("VM", "network", "port forward").</param>
    /// <param name="name">Its name as given.</param>
    /// <param name="hint">What to do; null for the usual "list them" advice of <paramref name="kind"/>.</param>
    public NotFoundException(string kind, string name, string? hint = null)
        : base(ErrorCodes.NotFound, $"{kind} \"{name}\" does not exist")
    {
        Kind = kind;
        Name = name;
        Hint = hint ?? DefaultHint(kind);
    }

    public string Kind { get; }
    public string Name { get; }

    private static string? DefaultHint(string kind) => kind switch
    {
        "VM" => "List the defined VMs: vireo list --all",
        "network" => "List the networks: vireo net list",
        _ => null,
    };
}

/// <summary>A change to the host's networking (bridge, tap, nftables, dnsmasq) failed; what was done is undone.</summary>
public sealed class HostOperationException(string message, Exception? inner = null) : VireoException(ErrorCodes.HostError, message, inner);

/// <summary>The object already exists.</summary>
public sealed class AlreadyExistsException(string message) : VireoException(ErrorCodes.AlreadyExists, message);

/// <summary>
/// The request or spec is invalid; lists every problem. Its message names what was invalid (a VM spec, a volume, a
/// network...): build it with <see cref="For"/>, or give a whole sentence.
/// </summary>
public sealed class InvalidInputException : VireoException
{
    private readonly IReadOnlyList<FieldError> _errors;

    /// <param name="message">A plain sentence (no command syntax: put that in <see cref="VireoException.Hint"/>).</param>
    /// <param name="errors">The problems, one per field, when there are fields to name.</param>
    public InvalidInputException(string message, IReadOnlyList<FieldError>? errors = null)
        : base(ErrorCodes.Invalid, message) => _errors = errors ?? [];

    public override IReadOnlyList<FieldError> FieldErrors => _errors;

    /// <summary>
    /// <c>invalid SUBJECT: FIELD: "VALUE" PROBLEM</c> for one problem, <c>invalid SUBJECT: N problems</c> for several
    /// (the CLI then prints one line per field). <paramref name="subject"/> is what the request described: "VM spec",
    /// "volume", "network", "port forward", "snapshot", "clone", "backup"...
    /// </summary>
    public static InvalidInputException For(string subject, IReadOnlyList<FieldError> errors, string? hint = null) =>
        new(Summary(subject, errors), errors) { Hint = hint };

    /// <summary>The message <see cref="For"/> gives.</summary>
    public static string Summary(string subject, IReadOnlyList<FieldError> errors) => errors.Count switch
    {
        0 => throw new ArgumentException("no problem to report", nameof(errors)),
        1 => $"invalid {subject}: {errors[0]}",
        _ => $"invalid {subject}: {errors.Count} problems",
    };
}

/// <summary>The action is not allowed in the VM's current state.</summary>
public sealed class InvalidStateException(string message) : VireoException(ErrorCodes.InvalidState, message);

/// <summary>Another client holds the resource.</summary>
/// <summary>The definition changed since the revision the caller read (a second editor was faster).</summary>
public sealed class StaleRevisionException(string message) : VireoException(ErrorCodes.Stale, message);

public sealed class BusyException(string message) : VireoException(ErrorCodes.Busy, message);

/// <summary>QEMU refused or failed an operation.</summary>
public sealed class QemuFailedException(string message, Exception? inner = null)
    : VireoException(ErrorCodes.QemuError, message, inner);

/// <summary>QEMU or the guest did not answer in time.</summary>
public sealed class OperationTimeoutException(string message, Exception? inner = null)
    : VireoException(ErrorCodes.Timeout, message, inner);

/// <summary>A host prerequisite is missing (an image not built, QEMU not installed...).</summary>
public sealed class UnavailableException(string message, Exception? inner = null)
    : VireoException(ErrorCodes.Unavailable, message, inner);

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

/// <summary>No VM (or other object) has that name.</summary>
public sealed class NotFoundException(string kind, string name)
    : VireoException(ErrorCodes.NotFound, $"{kind} \"{name}\" does not exist; {HintFor(kind)}")
{
    public string Kind { get; } = kind;
    public string Name { get; } = name;

    private static string HintFor(string kind) => kind switch
    {
        "network" => "`vireo net list` shows the networks",
        "snapshot" => "`vireo snapshot list VM` shows a VM's snapshots",
        _ => "`vireo list --all` shows the defined VMs",
    };
}

/// <summary>A change to the host's networking (bridge, tap, nftables, dnsmasq) failed; what was done is undone.</summary>
public sealed class HostOperationException(string message, Exception? inner = null) : VireoException(ErrorCodes.HostError, message, inner);

/// <summary>The object already exists.</summary>
public sealed class AlreadyExistsException(string message) : VireoException(ErrorCodes.AlreadyExists, message);

/// <summary>The request or spec is invalid; lists every problem.</summary>
public sealed class InvalidInputException : VireoException
{
    private readonly IReadOnlyList<FieldError> _errors;

    public InvalidInputException(string message, IReadOnlyList<FieldError>? errors = null)
        : base(ErrorCodes.Invalid, message) => _errors = errors ?? [];

    public InvalidInputException(IReadOnlyList<FieldError> errors)
        : base(ErrorCodes.Invalid, Summarise(errors)) => _errors = errors;

    public override IReadOnlyList<FieldError> FieldErrors => _errors;

    private static string Summarise(IReadOnlyList<FieldError> errors) =>
        errors.Count == 1 ? $"invalid VM spec: {errors[0]}" : $"invalid VM spec: {errors.Count} problems";
}

/// <summary>The action is not allowed in the VM's current state.</summary>
public sealed class InvalidStateException(string message) : VireoException(ErrorCodes.InvalidState, message);

/// <summary>Another client holds the resource.</summary>
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

using Vireo.Contracts;

namespace Vireo.Cli;

/// <summary>
/// vireo's exit status, stable for scripts: the same code for the same kind of failure on every command (documented
/// in <c>vireo --help</c>, per command in each command's --help through Help/ExitStatus.cs, and in docs/cli.md).
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>
    /// The operation failed: QEMU error, timeout, a host change that failed and was undone (host_error), a full pool
    /// (no_space), an internal error, or a host check FAIL. The request was right and the state allowed it.
    /// </summary>
    public const int Failed = 1;
    /// <summary>
    /// Invalid usage or input (ApiError code <c>invalid</c>): bad flags, an invalid spec, or a request that names
    /// something that does not exist (a spec's network, a clone's pool): fixed by changing the request.
    /// </summary>
    public const int Usage = 2;
    /// <summary>The object the command acts on (a VM, network, pool, volume, snapshot, operation, backup...) does not exist.</summary>
    public const int NotFound = 3;
    /// <summary>
    /// Conflict: already_exists, invalid_state, busy. The request is right but cannot be carried out now: the name is
    /// taken, or the object is in the wrong state, in use or busy; fixed by changing that state, then retrying.
    /// </summary>
    public const int Conflict = 4;
    /// <summary>
    /// vireod cannot be reached or lets this caller in (a refused token: unauthorized, forbidden, rate_limited), or
    /// reports a missing host prerequisite (<c>unavailable</c>).
    /// </summary>
    public const int Unreachable = 5;
    /// <summary>Interrupted by Ctrl-C (the shell's 128 + SIGINT).</summary>
    public const int Interrupted = 130;
    /// <summary>Ended by SIGTERM (128 + SIGTERM).</summary>
    public const int Terminated = 143;
    /// <summary>Its output's reader went away (128 + SIGPIPE, what the shell shows for a tool killed by SIGPIPE).</summary>
    public const int BrokenPipe = 141;

    /// <summary>The exit code of an API error: the same for the same kind on every command (host_error, no_space: 1).</summary>
    public static int ForApiError(string code) => code switch
    {
        ErrorCodes.Invalid => Usage,
        ErrorCodes.NotFound => NotFound,
        ErrorCodes.AlreadyExists or ErrorCodes.InvalidState or ErrorCodes.Busy or ErrorCodes.Stale => Conflict,
        ErrorCodes.Unavailable or ErrorCodes.Unauthorized or ErrorCodes.Forbidden or ErrorCodes.RateLimited => Unreachable,
        _ => Failed,
    };

    /// <summary>The text shown under "Exit status:" in every --help.</summary>
    public const string HelpText =
        """
          0    success
          1    the operation failed (QEMU error, timeout, a host change undone, a full pool, internal error;
               host check found a FAIL)
          2    invalid usage or input (bad flags, an invalid spec, a request naming something that does not exist)
          3    the object the command acts on does not exist (VM, network, pool, volume, snapshot, operation, backup)
          4    conflict or wrong state (already exists, in use, not allowed in the object's state, busy,
               changed by someone else since it was read)
          5    cannot reach vireod (not running, wrong socket, permission denied, a token refused or without the
               role needed) or a host prerequisite is missing
          130  interrupted (Ctrl-C)
          141  the reader of its output went away (as a tool killed by SIGPIPE)
          143  terminated (SIGTERM)
          Each command's --help lists the codes it can return and what each means for it.
        """;
}

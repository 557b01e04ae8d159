using Vireo.Contracts;

namespace Vireo.Cli;

/// <summary>vireo's exit status, stable for scripts (documented in <c>vireo --help</c> and docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The operation failed: QEMU error, timeout, internal error, or a host check FAIL.</summary>
    public const int Failed = 1;
    /// <summary>Invalid usage or input: bad flags, an invalid spec (ApiError code <c>invalid</c>).</summary>
    public const int Usage = 2;
    public const int NotFound = 3;
    /// <summary>Conflict: already_exists, invalid_state, busy.</summary>
    public const int Conflict = 4;
    /// <summary>vireod cannot be reached, or reports a missing host prerequisite (<c>unavailable</c>).</summary>
    public const int Unreachable = 5;
    /// <summary>Interrupted by Ctrl-C (the shell's 128 + SIGINT).</summary>
    public const int Interrupted = 130;
    /// <summary>Ended by SIGTERM (128 + SIGTERM).</summary>
    public const int Terminated = 143;
    /// <summary>Its output's reader went away (128 + SIGPIPE, what the shell shows for a tool killed by SIGPIPE).</summary>
    public const int BrokenPipe = 141;

    public static int ForApiError(string code) => code switch
    {
        ErrorCodes.Invalid => Usage,
        ErrorCodes.NotFound => NotFound,
        ErrorCodes.AlreadyExists or ErrorCodes.InvalidState or ErrorCodes.Busy => Conflict,
        ErrorCodes.Unavailable => Unreachable,
        _ => Failed,
    };

    /// <summary>The text shown under "Exit status:" in every --help.</summary>
    public const string HelpText =
        """
          0    success
          1    the operation failed (QEMU error, timeout, internal error; host check found a FAIL)
          2    invalid usage or input (bad flags, invalid VM spec)
          3    no such VM
          4    conflict (VM already exists, action not allowed in the VM's state, console busy)
          5    cannot reach vireod (not running, wrong socket, permission denied) or a host prerequisite is missing
          130  interrupted (Ctrl-C)
          141  the reader of its output went away (as a tool killed by SIGPIPE)
          143  terminated (SIGTERM)
        """;
}

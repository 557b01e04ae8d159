using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>QEMU's VM run state (QAPI <c>RunState</c>), as reported by <c>query-status</c>.</summary>
[JsonConverter(typeof(RunStateConverter))]
public enum RunState
{
    /// <summary>A value this client does not know (reported by a newer QEMU).</summary>
    Unknown = 0,

    /// <summary><c>debug</c>: QEMU is running on a debugger.</summary>
    Debug,

    /// <summary><c>inmigrate</c>: paused, waiting for an incoming migration.</summary>
    InMigrate,

    /// <summary><c>internal-error</c>: an internal error prevents further guest execution.</summary>
    InternalError,

    /// <summary><c>io-error</c>: the last I/O failed and the device is configured to pause on I/O errors.</summary>
    IoError,

    /// <summary><c>paused</c>: paused by the <c>stop</c> command.</summary>
    Paused,

    /// <summary><c>postmigrate</c>: paused after a successful outgoing migration.</summary>
    PostMigrate,

    /// <summary><c>prelaunch</c>: QEMU was started with <c>-S</c> and the guest has not started yet.</summary>
    Prelaunch,

    /// <summary><c>finish-migrate</c>: paused to finish a migration.</summary>
    FinishMigrate,

    /// <summary><c>restore-vm</c>: paused to restore VM state.</summary>
    RestoreVm,

    /// <summary><c>running</c>: the guest is executing.</summary>
    Running,

    /// <summary><c>save-vm</c>: paused to save VM state.</summary>
    SaveVm,

    /// <summary><c>shutdown</c>: the guest shut down and QEMU stays alive (<c>-no-shutdown</c>).</summary>
    Shutdown,

    /// <summary><c>suspended</c>: the guest is in ACPI S3.</summary>
    Suspended,

    /// <summary><c>watchdog</c>: the watchdog fired with action <c>pause</c>.</summary>
    Watchdog,

    /// <summary><c>guest-panicked</c>: the guest OS panicked and the panic action paused it.</summary>
    GuestPanicked,

    /// <summary><c>colo</c>: paused for a COLO checkpoint.</summary>
    Colo,
}

internal sealed class RunStateConverter() : QmpEnumConverter<RunState>(RunState.Unknown,
    ("debug", RunState.Debug),
    ("inmigrate", RunState.InMigrate),
    ("internal-error", RunState.InternalError),
    ("io-error", RunState.IoError),
    ("paused", RunState.Paused),
    ("postmigrate", RunState.PostMigrate),
    ("prelaunch", RunState.Prelaunch),
    ("finish-migrate", RunState.FinishMigrate),
    ("restore-vm", RunState.RestoreVm),
    ("running", RunState.Running),
    ("save-vm", RunState.SaveVm),
    ("shutdown", RunState.Shutdown),
    ("suspended", RunState.Suspended),
    ("watchdog", RunState.Watchdog),
    ("guest-panicked", RunState.GuestPanicked),
    ("colo", RunState.Colo));

/// <summary>Helpers for <see cref="RunState"/>.</summary>
public static class RunStateExtensions
{
    /// <summary>QEMU's own spelling of a run state, e.g. <c>guest-panicked</c>; <c>unknown</c> for <see cref="RunState.Unknown"/>.</summary>
    public static string WireName(this RunState state) => state switch
    {
        RunState.Debug => "debug",
        RunState.InMigrate => "inmigrate",
        RunState.InternalError => "internal-error",
        RunState.IoError => "io-error",
        RunState.Paused => "paused",
        RunState.PostMigrate => "postmigrate",
        RunState.Prelaunch => "prelaunch",
        RunState.FinishMigrate => "finish-migrate",
        RunState.RestoreVm => "restore-vm",
        RunState.Running => "running",
        RunState.SaveVm => "save-vm",
        RunState.Shutdown => "shutdown",
        RunState.Suspended => "suspended",
        RunState.Watchdog => "watchdog",
        RunState.GuestPanicked => "guest-panicked",
        RunState.Colo => "colo",
        _ => "unknown",
    };
}

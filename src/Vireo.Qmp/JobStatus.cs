using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>State of a QEMU job (QAPI <c>JobStatus</c>), carried by <see cref="JobStatusChangeEvent"/>.</summary>
[JsonConverter(typeof(JobStatusConverter))]
public enum JobStatus
{
    /// <summary>A value this client does not know (reported by a newer QEMU).</summary>
    Unknown = 0,

    /// <summary><c>undefined</c>: erroneous default state; should never be seen.</summary>
    Undefined,

    /// <summary><c>created</c>: created, not yet started.</summary>
    Created,

    /// <summary><c>running</c>: working.</summary>
    Running,

    /// <summary><c>paused</c>: running but paused.</summary>
    Paused,

    /// <summary><c>ready</c>: ready for the user to signal completion (e.g. a mirror in sync).</summary>
    Ready,

    /// <summary><c>standby</c>: ready, but paused.</summary>
    Standby,

    /// <summary><c>waiting</c>: waiting for the other jobs of its transaction.</summary>
    Waiting,

    /// <summary><c>pending</c>: work done, finalisation pending.</summary>
    Pending,

    /// <summary><c>aborting</c>: being aborted; will conclude with an error.</summary>
    Aborting,

    /// <summary><c>concluded</c>: finished; stays listed until dismissed unless auto-dismiss is on.</summary>
    Concluded,

    /// <summary><c>null</c>: being dismantled.</summary>
    Null,
}

internal sealed class JobStatusConverter() : QmpEnumConverter<JobStatus>(JobStatus.Unknown,
    ("undefined", JobStatus.Undefined),
    ("created", JobStatus.Created),
    ("running", JobStatus.Running),
    ("paused", JobStatus.Paused),
    ("ready", JobStatus.Ready),
    ("standby", JobStatus.Standby),
    ("waiting", JobStatus.Waiting),
    ("pending", JobStatus.Pending),
    ("aborting", JobStatus.Aborting),
    ("concluded", JobStatus.Concluded),
    ("null", JobStatus.Null));

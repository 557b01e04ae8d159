using System.Text.Json;

namespace Vireo.Qmp;

/// <summary>An asynchronous QMP event. Typed subclasses exist for the events Vireo acts on.</summary>
/// <param name="Name">The wire name, e.g. <c>SHUTDOWN</c>.</param>
/// <param name="Timestamp">When QEMU emitted it.</param>
/// <param name="Data">The raw <c>data</c> member (an empty object when absent).</param>
public abstract record QmpEvent(string Name, DateTimeOffset Timestamp, JsonElement Data);

/// <summary>An event with no typed record; <see cref="QmpEvent.Data"/> holds everything.</summary>
/// <param name="Name">The wire name.</param>
/// <param name="Timestamp">When QEMU emitted it.</param>
/// <param name="Data">The raw data.</param>
public sealed record UnknownEvent(string Name, DateTimeOffset Timestamp, JsonElement Data) : QmpEvent(Name, Timestamp, Data);

/// <summary>SHUTDOWN: the guest powered off, or QEMU is exiting.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Guest">True when the guest asked for it (e.g. ACPI power-off), false when the host did.</param>
/// <param name="Reason">QEMU's ShutdownCause, e.g. <c>guest-shutdown</c>, <c>host-qmp-quit</c>, <c>host-signal</c>.</param>
public sealed record ShutdownEvent(DateTimeOffset Timestamp, JsonElement Data, bool Guest, string Reason)
    : QmpEvent("SHUTDOWN", Timestamp, Data);

/// <summary>POWERDOWN: an ACPI power-button press was delivered to the guest.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
public sealed record PowerdownEvent(DateTimeOffset Timestamp, JsonElement Data) : QmpEvent("POWERDOWN", Timestamp, Data);

/// <summary>RESET: the machine was reset.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Guest">True when the guest asked for it.</param>
/// <param name="Reason">QEMU's ShutdownCause, e.g. <c>guest-reset</c>, <c>host-qmp-system-reset</c>.</param>
public sealed record ResetEvent(DateTimeOffset Timestamp, JsonElement Data, bool Guest, string Reason)
    : QmpEvent("RESET", Timestamp, Data);

/// <summary>STOP: the vCPUs stopped (query-status tells why).</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
public sealed record StopEvent(DateTimeOffset Timestamp, JsonElement Data) : QmpEvent("STOP", Timestamp, Data);

/// <summary>RESUME: the vCPUs run again.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
public sealed record ResumeEvent(DateTimeOffset Timestamp, JsonElement Data) : QmpEvent("RESUME", Timestamp, Data);

/// <summary>SUSPEND: the guest entered ACPI S3.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
public sealed record SuspendEvent(DateTimeOffset Timestamp, JsonElement Data) : QmpEvent("SUSPEND", Timestamp, Data);

/// <summary>WAKEUP: the guest left ACPI S3.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
public sealed record WakeupEvent(DateTimeOffset Timestamp, JsonElement Data) : QmpEvent("WAKEUP", Timestamp, Data);

/// <summary>GUEST_PANICKED: the guest reported a kernel panic (pvpanic, Hyper-V crash MSRs, s390).</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Action">What QEMU did: <c>pause</c>, <c>poweroff</c> or <c>run</c>.</param>
public sealed record GuestPanickedEvent(DateTimeOffset Timestamp, JsonElement Data, string Action)
    : QmpEvent("GUEST_PANICKED", Timestamp, Data);

/// <summary>DEVICE_DELETED: a device_del finished (the guest released the device).</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Device">The device id, when it had one.</param>
/// <param name="Path">The QOM path.</param>
public sealed record DeviceDeletedEvent(DateTimeOffset Timestamp, JsonElement Data, string? Device, string Path)
    : QmpEvent("DEVICE_DELETED", Timestamp, Data);

/// <summary>BLOCK_JOB_COMPLETED, BLOCK_JOB_CANCELLED or BLOCK_JOB_READY.</summary>
/// <param name="Name">Which of the three.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Type">Job type, e.g. <c>backup</c>, <c>mirror</c>, <c>commit</c>.</param>
/// <param name="Device">Job id (named device for historical reasons).</param>
/// <param name="Length">Work units in total.</param>
/// <param name="Offset">Work units done.</param>
/// <param name="Error">Error message, when the job failed.</param>
public sealed record BlockJobEvent(string Name, DateTimeOffset Timestamp, JsonElement Data, string Type, string Device,
    long Length, long Offset, string? Error) : QmpEvent(Name, Timestamp, Data);

/// <summary>BLOCK_JOB_ERROR: a block job hit an I/O error.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Device">Job id.</param>
/// <param name="Operation"><c>read</c> or <c>write</c>.</param>
/// <param name="Action">What QEMU did: <c>ignore</c>, <c>report</c> or <c>stop</c>.</param>
public sealed record BlockJobErrorEvent(DateTimeOffset Timestamp, JsonElement Data, string Device, string Operation, string Action)
    : QmpEvent("BLOCK_JOB_ERROR", Timestamp, Data);

/// <summary>JOB_STATUS_CHANGE: a job moved to another state.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Id">Job id.</param>
/// <param name="Status">New status, e.g. <c>running</c>, <c>concluded</c>.</param>
public sealed record JobStatusChangeEvent(DateTimeOffset Timestamp, JsonElement Data, string Id, string Status)
    : QmpEvent("JOB_STATUS_CHANGE", Timestamp, Data);

/// <summary>NIC_RX_FILTER_CHANGED: the guest changed a NIC's receive filter (e.g. its MAC).</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="NicName">The NIC id, when it has one.</param>
/// <param name="Path">The QOM path.</param>
public sealed record NicRxFilterChangedEvent(DateTimeOffset Timestamp, JsonElement Data, string? NicName, string Path)
    : QmpEvent("NIC_RX_FILTER_CHANGED", Timestamp, Data);

/// <summary>VNC_CONNECTED or VNC_DISCONNECTED.</summary>
/// <param name="Name">Which of the two.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="ClientHost">The client's address.</param>
public sealed record VncEvent(string Name, DateTimeOffset Timestamp, JsonElement Data, string? ClientHost)
    : QmpEvent(Name, Timestamp, Data);

/// <summary>RTC_CHANGE: the guest set its real-time clock.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Offset">New offset from the host clock in seconds.</param>
public sealed record RtcChangeEvent(DateTimeOffset Timestamp, JsonElement Data, long Offset)
    : QmpEvent("RTC_CHANGE", Timestamp, Data);

/// <summary>WATCHDOG: the guest watchdog fired.</summary>
/// <param name="Timestamp">When.</param>
/// <param name="Data">Raw data.</param>
/// <param name="Action">What QEMU did.</param>
public sealed record WatchdogEvent(DateTimeOffset Timestamp, JsonElement Data, string Action)
    : QmpEvent("WATCHDOG", Timestamp, Data);

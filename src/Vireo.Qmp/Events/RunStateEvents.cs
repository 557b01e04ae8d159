using System.Text.Json;

namespace Vireo.Qmp;

/// <summary><c>SHUTDOWN</c>: the VM shut down; QEMU is about to exit unless started with <c>-no-shutdown</c>.</summary>
/// <param name="Guest">True if the guest asked for it (e.g. ACPI power-off), false for a host request (e.g. <c>quit</c>, SIGTERM).</param>
/// <param name="Reason">QAPI <c>ShutdownCause</c>: <c>host-qmp-quit</c>, <c>host-signal</c>, <c>guest-shutdown</c>, <c>guest-reset</c>, <c>guest-panic</c>, ...</param>
public sealed record ShutdownEvent(bool Guest, string Reason) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "SHUTDOWN";
}

/// <summary><c>POWERDOWN</c>: the ACPI power button was pressed (e.g. by <c>system_powerdown</c>).</summary>
public sealed record PowerdownEvent() : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "POWERDOWN";
}

/// <summary><c>RESET</c>: the VM was reset.</summary>
/// <param name="Guest">True if the guest asked for it (reboot), false for a host request (<c>system_reset</c>).</param>
/// <param name="Reason">QAPI <c>ShutdownCause</c>, e.g. <c>guest-reset</c> or <c>host-qmp-system-reset</c>.</param>
public sealed record ResetEvent(bool Guest, string Reason) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "RESET";
}

/// <summary><c>STOP</c>: the VM was paused.</summary>
public sealed record StopEvent() : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "STOP";
}

/// <summary><c>RESUME</c>: the VM started or resumed execution.</summary>
public sealed record ResumeEvent() : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "RESUME";
}

/// <summary><c>SUSPEND</c>: the guest entered ACPI S3.</summary>
public sealed record SuspendEvent() : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "SUSPEND";
}

/// <summary><c>WAKEUP</c>: the guest woke from suspend and is running.</summary>
public sealed record WakeupEvent() : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "WAKEUP";
}

/// <summary><c>GUEST_PANICKED</c>: a panic device (pvpanic, Hyper-V crash MSRs) reported a guest OS panic.</summary>
/// <param name="Action">What QEMU did: <c>pause</c>, <c>poweroff</c> or <c>run</c>.</param>
/// <param name="Info">Hypervisor-specific panic information (QAPI <c>GuestPanicInformation</c>), when given.</param>
public sealed record GuestPanickedEvent(string Action, JsonElement? Info = null) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "GUEST_PANICKED";
}

/// <summary><c>WATCHDOG</c>: the watchdog device expired (rate-limited by QEMU).</summary>
/// <param name="Action">QAPI <c>WatchdogAction</c>: <c>reset</c>, <c>shutdown</c>, <c>poweroff</c>, <c>pause</c>, <c>debug</c>, <c>none</c>, <c>inject-nmi</c>.</param>
public sealed record WatchdogEvent(string Action) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "WATCHDOG";
}

/// <summary><c>RTC_CHANGE</c>: the guest set its real-time clock (rate-limited by QEMU).</summary>
/// <param name="Offset">Seconds between the RTC base (<c>-rtc base=</c>) and the new RTC value.</param>
/// <param name="QomPath">The RTC object's QOM path (sent by QEMU 7.2, absent from older releases).</param>
public sealed record RtcChangeEvent(long Offset, string? QomPath = null) : QmpEvent(WireName)
{
    /// <summary>The event name on the wire.</summary>
    public const string WireName = "RTC_CHANGE";
}

namespace Vireo.Qmp;

/// <summary><c>qmp_capabilities</c>: leaves capabilities-negotiation mode. <see cref="QmpClient"/> sends it while connecting.</summary>
public sealed record QmpCapabilitiesCommand() : QmpEmptyCommand("qmp_capabilities");

/// <summary><c>cont</c>: starts or resumes guest execution (emits <see cref="ResumeEvent"/>).</summary>
public sealed record ContCommand() : QmpEmptyCommand("cont");

/// <summary><c>stop</c>: pauses guest execution (emits <see cref="StopEvent"/>).</summary>
public sealed record StopCommand() : QmpEmptyCommand("stop");

/// <summary><c>system_powerdown</c>: presses the ACPI power button; the guest decides whether to shut down.</summary>
public sealed record SystemPowerdownCommand() : QmpEmptyCommand("system_powerdown");

/// <summary><c>system_reset</c>: hard-resets the machine (emits <see cref="ResetEvent"/>); QEMU replies normally.</summary>
public sealed record SystemResetCommand() : QmpEmptyCommand("system_reset");

/// <summary><c>system_wakeup</c>: wakes a guest from ACPI S3; QEMU refuses it unless the guest is suspended.</summary>
public sealed record SystemWakeupCommand() : QmpEmptyCommand("system_wakeup");

/// <summary>
/// <c>quit</c>: makes QEMU exit. QEMU may close the socket before its reply reaches the client, so use
/// <see cref="QmpClient.QuitAsync"/>, which counts that as success.
/// </summary>
public sealed record QuitCommand() : QmpEmptyCommand("quit");

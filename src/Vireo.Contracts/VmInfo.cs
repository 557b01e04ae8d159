namespace Vireo.Contracts;

/// <summary>One line of <c>vireo list</c>.</summary>
public sealed record VmSummary
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>VM UUID.</summary>
    public required string Uuid { get; init; }
    /// <summary>Current state.</summary>
    public required VmState State { get; init; }
    /// <summary>Virtual CPUs.</summary>
    public int Vcpus { get; init; }
    /// <summary>Memory in MiB.</summary>
    public long Memory { get; init; }
    /// <summary>Starts with vireod.</summary>
    public bool Autostart { get; init; }
    /// <summary>QEMU process id while the VM has one.</summary>
    public int? Pid { get; init; }
}

/// <summary>Everything <c>vireo info</c> shows about one VM.</summary>
public sealed record VmInfo
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>VM UUID.</summary>
    public required string Uuid { get; init; }
    /// <summary>Current state.</summary>
    public required VmState State { get; init; }
    /// <summary>Why the VM is in this state (e.g. <c>guest powered off</c>, <c>QEMU killed by signal 9</c>).</summary>
    public string? Reason { get; init; }
    /// <summary>
    /// The definition the VM runs with (for a stopped VM: the one it will start with). Changes a running VM
    /// could not take live are in <see cref="PendingSpec"/>.
    /// </summary>
    public required VmSpec Spec { get; init; }
    /// <summary>
    /// Revision of the definition: it grows with every change (edit, set, rename, hot-plug). Give it back in
    /// <c>If-Match</c> to change the definition only if nobody changed it since; also sent as the ETag.
    /// </summary>
    public long Revision { get; init; }
    /// <summary>The definition the VM gets at its next start, when it differs from <see cref="Spec"/>; else null.</summary>
    public VmSpec? PendingSpec { get; init; }
    /// <summary>What differs between <see cref="Spec"/> and <see cref="PendingSpec"/>, field by field.</summary>
    public IReadOnlyList<SpecChange>? PendingChanges { get; init; }
    /// <summary>Runtime details while a QEMU process exists.</summary>
    public VmRuntimeInfo? Runtime { get; init; }
    /// <summary>When the VM was defined (UTC).</summary>
    public DateTimeOffset DefinedAt { get; init; }
    /// <summary>Path of the serial log file.</summary>
    public string? SerialLog { get; init; }
    /// <summary>
    /// The cloud-init seed ISO (label <c>cidata</c>) attached as an extra read-only CD-ROM when the spec has
    /// <c>cloud_init</c>; built at start, rebuilt when the settings change. Null without cloud_init.
    /// </summary>
    public string? CloudInitSeed { get; init; }
}

/// <summary>Facts about a VM's running QEMU process.</summary>
public sealed record VmRuntimeInfo
{
    /// <summary>QEMU process id.</summary>
    public int Pid { get; init; }
    /// <summary>Accelerator in use: <c>kvm</c> or <c>tcg</c>.</summary>
    public required string Accel { get; init; }
    /// <summary>A warning about the accelerator (set when running under TCG).</summary>
    public string? AccelWarning { get; init; }
    /// <summary>When the process was started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>VNC port on 127.0.0.1, when graphics is vnc.</summary>
    public int? VncPort { get; init; }
    /// <summary>QEMU's own run state as reported by <c>query-status</c>.</summary>
    public string? QemuStatus { get; init; }
    /// <summary>QEMU binary used.</summary>
    public string? Emulator { get; init; }
}

/// <summary>Options for <c>POST /v1/vms/{name}/shutdown</c>.</summary>
public sealed record ShutdownRequest
{
    /// <summary>Seconds to wait for the guest to power off after the ACPI request before forcing it off. Default 120.</summary>
    public int? TimeoutSeconds { get; init; }
    /// <summary>When false, a guest that does not power off in time is left running and the request fails. Default true.</summary>
    public bool? Force { get; init; }
    /// <summary>How to ask the guest: <c>acpi</c> (the power button, default) or <c>agent</c> (guest-shutdown through the guest agent).</summary>
    public string? Mode { get; init; }
}

/// <summary>Result of a lifecycle action.</summary>
public sealed record ActionResult
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>State after the action.</summary>
    public required VmState State { get; init; }
    /// <summary>Human-readable outcome, e.g. <c>forced off after 120 s</c>.</summary>
    public string? Message { get; init; }
}

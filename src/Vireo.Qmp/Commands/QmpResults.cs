using System.Text.Json.Serialization;

namespace Vireo.Qmp;

/// <summary>QEMU's run states (QAPI <c>RunState</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunState>))]
public enum RunState
{
    /// <summary>Unknown to this client.</summary>
    Unknown,
    /// <summary>QEMU is waiting for a debugger.</summary>
    [JsonStringEnumMemberName("debug")] Debug,
    /// <summary>Waiting for an incoming migration.</summary>
    [JsonStringEnumMemberName("inmigrate")] InMigrate,
    /// <summary>Stopped after an internal error.</summary>
    [JsonStringEnumMemberName("internal-error")] InternalError,
    /// <summary>Stopped after a disk I/O error.</summary>
    [JsonStringEnumMemberName("io-error")] IoError,
    /// <summary>Paused by request.</summary>
    [JsonStringEnumMemberName("paused")] Paused,
    /// <summary>Stopped after migration out.</summary>
    [JsonStringEnumMemberName("postmigrate")] PostMigrate,
    /// <summary>Started with -S and not yet resumed.</summary>
    [JsonStringEnumMemberName("prelaunch")] Prelaunch,
    /// <summary>Finishing a migration.</summary>
    [JsonStringEnumMemberName("finish-migrate")] FinishMigrate,
    /// <summary>Restoring a snapshot.</summary>
    [JsonStringEnumMemberName("restore-vm")] RestoreVm,
    /// <summary>Executing.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>Saving a snapshot.</summary>
    [JsonStringEnumMemberName("save-vm")] SaveVm,
    /// <summary>The guest shut down and QEMU runs with -no-shutdown.</summary>
    [JsonStringEnumMemberName("shutdown")] Shutdown,
    /// <summary>In ACPI S3.</summary>
    [JsonStringEnumMemberName("suspended")] Suspended,
    /// <summary>Stopped by the watchdog.</summary>
    [JsonStringEnumMemberName("watchdog")] Watchdog,
    /// <summary>Stopped after a guest panic.</summary>
    [JsonStringEnumMemberName("guest-panicked")] GuestPanicked,
    /// <summary>COLO fault tolerance.</summary>
    [JsonStringEnumMemberName("colo")] Colo,
}

/// <summary>Reply of <c>query-status</c>.</summary>
public sealed record StatusInfo
{
    /// <summary>True when the vCPUs run.</summary>
    public bool Running { get; init; }
    /// <summary>The run state as QEMU spells it, e.g. <c>running</c>, <c>prelaunch</c>.</summary>
    public string Status { get; init; } = "";
    /// <summary>The run state, typed (<see cref="RunState.Unknown"/> for a state newer than this client).</summary>
    [JsonIgnore]
    public RunState State { get; init; }
}

/// <summary>Reply of <c>query-version</c>.</summary>
public sealed record VersionInfo
{
    /// <summary>Major.minor.micro.</summary>
    public VersionTriple Qemu { get; init; } = new();
    /// <summary>Distribution package string.</summary>
    public string Package { get; init; } = "";
}

/// <summary>A QEMU version number.</summary>
public sealed record VersionTriple
{
    /// <summary>Major.</summary>
    public int Major { get; init; }
    /// <summary>Minor.</summary>
    public int Minor { get; init; }
    /// <summary>Micro.</summary>
    public int Micro { get; init; }
}

/// <summary>Reply of <c>query-vnc</c>.</summary>
public sealed record VncInfo
{
    /// <summary>True when a VNC server runs.</summary>
    public bool Enabled { get; init; }
    /// <summary>Listening address.</summary>
    public string? Host { get; init; }
    /// <summary>Address family, e.g. <c>ipv4</c> or <c>unix</c>.</summary>
    public string? Family { get; init; }
    /// <summary>Listening port (as text, per QMP).</summary>
    public string? Service { get; init; }
    /// <summary>Authentication scheme.</summary>
    public string? Auth { get; init; }

    /// <summary>The TCP port, when <see cref="Service"/> is numeric.</summary>
    [JsonIgnore]
    public int? Port => int.TryParse(Service, out var p) ? p : null;
}

/// <summary>Reply of <c>query-kvm</c>.</summary>
public sealed record KvmInfo
{
    /// <summary>KVM is in use.</summary>
    public bool Enabled { get; init; }
    /// <summary>KVM is available on the host.</summary>
    public bool Present { get; init; }
}

/// <summary>One element of <c>query-cpus-fast</c>.</summary>
public sealed record CpuInfoFast
{
    /// <summary>vCPU index.</summary>
    public int CpuIndex { get; init; }
    /// <summary>Host thread id running the vCPU.</summary>
    public long ThreadId { get; init; }
    /// <summary>QOM path of the CPU.</summary>
    public string QomPath { get; init; } = "";
}

/// <summary>Reply of <c>query-name</c>.</summary>
public sealed record NameInfo
{
    /// <summary>The guest name given with -name, if any.</summary>
    public string? Name { get; init; }
}

/// <summary>One element of <c>query-chardev</c>.</summary>
public sealed record ChardevInfo
{
    /// <summary>Chardev id.</summary>
    public string Label { get; init; } = "";
    /// <summary>Backend description, e.g. <c>unix:/path,server=on</c>.</summary>
    public string Filename { get; init; } = "";
    /// <summary>Whether the guest side has it open.</summary>
    public bool FrontendOpen { get; init; }
}

/// <summary>One element of <c>query-block</c>.</summary>
public sealed record BlockInfo
{
    /// <summary>Legacy drive name (empty for -blockdev devices).</summary>
    public string Device { get; init; } = "";
    /// <summary>The qdev id or path of the device.</summary>
    public string? Qdev { get; init; }
    /// <summary>True for removable media (CD-ROM).</summary>
    public bool Removable { get; init; }
    /// <summary>Inserted medium, if any.</summary>
    public BlockInserted? Inserted { get; init; }
}

/// <summary>The medium of a block device.</summary>
public sealed record BlockInserted
{
    /// <summary>Image file name.</summary>
    public string File { get; init; } = "";
    /// <summary>Node name of the top node.</summary>
    public string? NodeName { get; init; }
    /// <summary>Read-only.</summary>
    public bool Ro { get; init; }
    /// <summary>Format driver, e.g. <c>qcow2</c>.</summary>
    public string Drv { get; init; } = "";
}

/// <summary>One element of <c>query-machines</c>.</summary>
public sealed record MachineInfo
{
    /// <summary>Machine type name, e.g. <c>pc-q35-7.2</c>.</summary>
    public string Name { get; init; } = "";
    /// <summary>Alias, e.g. <c>q35</c>.</summary>
    public string? Alias { get; init; }
    /// <summary>True for the default machine type.</summary>
    public bool IsDefault { get; init; }
    /// <summary>Maximum vCPUs.</summary>
    public int CpuMax { get; init; }
}

/// <summary>One element of <c>query-commands</c>.</summary>
public sealed record CommandInfo
{
    /// <summary>Command name.</summary>
    public string Name { get; init; } = "";
}

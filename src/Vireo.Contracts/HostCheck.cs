using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>Outcome of one host check.</summary>
public enum CheckStatus
{
    /// <summary>The requirement is met.</summary>
    [JsonStringEnumMemberName("pass")]
    Pass,
    /// <summary>Vireo works, but with a limitation.</summary>
    [JsonStringEnumMemberName("warn")]
    Warn,
    /// <summary>Vireo cannot work until this is fixed.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,
}

/// <summary>One line of <c>vireo host check</c>.</summary>
public sealed record HostCheckItem
{
    /// <summary>Stable identifier, e.g. <c>kvm.device</c>.</summary>
    public required string Id { get; init; }
    /// <summary>Short title, e.g. <c>/dev/kvm</c>.</summary>
    public required string Title { get; init; }
    /// <summary>Result.</summary>
    public required CheckStatus Status { get; init; }
    /// <summary>What was found.</summary>
    public required string Detail { get; init; }
    /// <summary>One-line fix when the status is not Pass.</summary>
    public string? Fix { get; init; }
}

/// <summary>The full host validation report.</summary>
public sealed record HostCheckReport
{
    /// <summary>All checks, in display order.</summary>
    public required IReadOnlyList<HostCheckItem> Checks { get; init; }
    /// <summary>Accelerator VMs will use: <c>kvm</c> or <c>tcg</c>.</summary>
    public required string Accel { get; init; }
    /// <summary>Number of passed checks.</summary>
    public int Passed => Checks.Count(c => c.Status == CheckStatus.Pass);
    /// <summary>Number of warnings.</summary>
    public int Warnings => Checks.Count(c => c.Status == CheckStatus.Warn);
    /// <summary>Number of failures.</summary>
    public int Failures => Checks.Count(c => c.Status == CheckStatus.Fail);
}

/// <summary>Daemon and host facts (<c>GET /v1/host</c>, shown by <c>vireo version</c>).</summary>
public sealed record HostInfo
{
    /// <summary>vireod version.</summary>
    public required string Version { get; init; }
    /// <summary>Host name.</summary>
    public required string Hostname { get; init; }
    /// <summary>QEMU binary path.</summary>
    public string? Emulator { get; init; }
    /// <summary>QEMU version, e.g. <c>7.2.22</c>.</summary>
    public string? QemuVersion { get; init; }
    /// <summary>Accelerator VMs get by default: <c>kvm</c> or <c>tcg</c>.</summary>
    public required string Accel { get; init; }
    /// <summary>Why KVM is not used, when it is not.</summary>
    public string? AccelWarning { get; init; }
    /// <summary>State directory.</summary>
    public required string StateDir { get; init; }
    /// <summary>Logical CPUs on the host.</summary>
    public int HostCpus { get; init; }
    /// <summary>Host memory in MiB.</summary>
    public long HostMemory { get; init; }
    /// <summary>Number of defined VMs.</summary>
    public int Vms { get; init; }
    /// <summary>Number of VMs with a QEMU process.</summary>
    public int ActiveVms { get; init; }
    /// <summary>Images <c>vireo create --image</c> accepts, with whether each is built.</summary>
    public IReadOnlyList<ImageInfo> Images { get; init; } = [];
    /// <summary>SHA-256 fingerprint of the TCP listener's TLS certificate (lowercase hex, colon-separated); absent without a TCP listener.</summary>
    public string? TlsFingerprint { get; init; }
    /// <summary>The TCP addresses vireod serves the API on over TLS (<c>ADDR:PORT</c>, the real port when 0 was asked); empty without one.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];
    /// <summary>vireod's own process: memory, managed heap, open file descriptors and threads (to watch it for leaks).</summary>
    public DaemonProcessInfo? Daemon { get; init; }
}

/// <summary>vireod's own resource use, read when <c>GET /v1/host</c> is answered.</summary>
public sealed record DaemonProcessInfo
{
    /// <summary>vireod's PID.</summary>
    public int Pid { get; init; }
    /// <summary>Resident memory (VmRSS of /proc/self/status), in bytes.</summary>
    public long RssBytes { get; init; }
    /// <summary>Managed heap after the last garbage collection, in bytes.</summary>
    public long ManagedHeapBytes { get; init; }
    /// <summary>Open file descriptors (entries of /proc/self/fd).</summary>
    public int OpenFds { get; init; }
    /// <summary>Threads of the process.</summary>
    public int Threads { get; init; }
}

/// <summary>A built-in guest image.</summary>
public sealed record ImageInfo
{
    /// <summary>Image name, e.g. <c>tiny</c>.</summary>
    public required string Name { get; init; }
    /// <summary>True when its files are present.</summary>
    public bool Available { get; init; }
    /// <summary>Where its files are (or are expected).</summary>
    public string? Location { get; init; }
    /// <summary>One line about it.</summary>
    public string? Description { get; init; }
    /// <summary><c>kernel</c> (a built-in kernel + initrd guest such as <c>tiny</c>) or <c>disk</c> (a base disk image in the catalogue).</summary>
    public string Kind { get; init; } = "kernel";
    /// <summary>Its OS (an osinfo short id such as <c>debian12</c>); null when unknown.</summary>
    public string? Os { get; init; }
    /// <summary>Format of its base volume (always <c>qcow2</c> for a disk image) and the format it was imported from.</summary>
    public string? Format { get; init; }
    /// <summary>Format of the file it was imported from (<c>vmdk</c>, <c>ova</c>...).</summary>
    public string? SourceFormat { get; init; }
    /// <summary>Its read-only base volume, <c>POOL/NAME</c>; for an appliance with several disks, the first (see <see cref="Volumes"/>).</summary>
    public string? Volume { get; init; }
    /// <summary>Every base volume of the image, the root disk first.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];
    /// <summary>The file it was imported from.</summary>
    public string? Source { get; init; }
    /// <summary>Size the guest sees (of the first volume), in bytes.</summary>
    public long? VirtualSizeBytes { get; init; }
    /// <summary>Bytes its volumes take on the host.</summary>
    public long? ActualSizeBytes { get; init; }
    /// <summary>When it was registered.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
    /// <summary>Firmware it boots with (<c>bios</c>, <c>uefi</c>), the preferred first; empty when unknown.</summary>
    public IReadOnlyList<string> Firmware { get; init; } = [];
    /// <summary>Hardware it declares (from an OVF): defaults for <c>vireo create --image</c>.</summary>
    public ImageHardware? Hardware { get; init; }
    /// <summary>The build recipe's key, for an image Vireo built (rebuilt and re-registered when it changes).</summary>
    public string? Recipe { get; init; }
    /// <summary>VMs whose disks use it (linked clones on it, or copies made from it).</summary>
    public IReadOnlyList<string> UsedBy { get; init; } = [];
}

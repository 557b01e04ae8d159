using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>Lifecycle state of a virtual machine as Vireo tracks it.</summary>
public enum VmState
{
    /// <summary>Defined, no QEMU process.</summary>
    [JsonStringEnumMemberName("stopped")]
    Stopped,
    /// <summary>QEMU is being launched and configured; the guest has not been resumed yet.</summary>
    [JsonStringEnumMemberName("starting")]
    Starting,
    /// <summary>The guest is executing.</summary>
    [JsonStringEnumMemberName("running")]
    Running,
    /// <summary>The guest is suspended (vCPUs stopped); memory is kept.</summary>
    [JsonStringEnumMemberName("paused")]
    Paused,
    /// <summary>An ACPI power-down was requested; waiting for the guest to power off.</summary>
    [JsonStringEnumMemberName("shutting-down")]
    ShuttingDown,
    /// <summary>The guest panicked or QEMU died unexpectedly.</summary>
    [JsonStringEnumMemberName("crashed")]
    Crashed,
}

/// <summary>What Vireo does when a guest crashes (kernel panic reported through pvpanic, or QEMU dies).</summary>
public enum OnCrash
{
    /// <summary>Stop the VM and leave it in the crashed state (default).</summary>
    [JsonStringEnumMemberName("destroy")]
    Destroy,
    /// <summary>Start the VM again.</summary>
    [JsonStringEnumMemberName("restart")]
    Restart,
    /// <summary>Keep the QEMU process paused so that its memory can be inspected.</summary>
    [JsonStringEnumMemberName("preserve")]
    Preserve,
}

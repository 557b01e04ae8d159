using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>
/// Body of <c>PATCH /v1/vms/{name}</c> (<c>vireo set</c>): single settings of a VM's definition. A field left out
/// (null) stays as it is. Applied like an edit of the whole spec: live where QEMU can, else pending.
/// </summary>
public sealed record VmSettings
{
    /// <summary>Virtual CPUs. On a running VM: hot-plugged live up to <c>max_vcpus</c>; fewer, or more than that, at the next start.</summary>
    public int? Vcpus { get; init; }
    /// <summary>Most vCPUs a running VM can be given (takes effect at the next start).</summary>
    public int? MaxVcpus { get; init; }
    /// <summary>Memory in MiB. On a running VM: through the balloon, live, up to <c>max_memory</c>; above it at the next start.</summary>
    public long? Memory { get; init; }
    /// <summary>Most memory (MiB) a running VM can be given through the balloon (takes effect at the next start).</summary>
    public long? MaxMemory { get; init; }
    /// <summary>Start the VM when vireod starts.</summary>
    public bool? Autostart { get; init; }
    /// <summary>What to do when the guest crashes.</summary>
    public OnCrash? OnCrash { get; init; }
    /// <summary>Free text shown by <c>vireo info</c>; an empty string removes it.</summary>
    public string? Description { get; init; }
    /// <summary>cloud-init settings, replacing the VM's whole <c>cloud_init</c>; the seed is rebuilt at the next start.</summary>
    public CloudInitSpec? CloudInit { get; init; }
}

/// <summary>When a change of a VM's definition takes effect.</summary>
public enum ChangeTiming
{
    /// <summary>Stored; the VM is stopped, so it applies at its next start like everything else.</summary>
    [JsonStringEnumMemberName("stored")]
    Stored,
    /// <summary>Applied to the running VM now (balloon, vCPU hot-plug, or a setting vireod itself acts on).</summary>
    [JsonStringEnumMemberName("live")]
    Live,
    /// <summary>The VM runs and QEMU cannot apply it live: pending until the VM next starts.</summary>
    [JsonStringEnumMemberName("next-start")]
    NextStart,
}

/// <summary>One field that differs between two definitions.</summary>
public sealed record SpecChange
{
    /// <summary>The spec field, as in the YAML: <c>memory</c>, <c>disks[1].cache</c>, <c>nics</c>...</summary>
    public required string Field { get; init; }
    /// <summary>The value before, as the spec writes it; null when the field was not set.</summary>
    public string? From { get; init; }
    /// <summary>The value after; null when the field is removed.</summary>
    public string? To { get; init; }
    /// <summary>When it takes effect.</summary>
    public ChangeTiming Applied { get; init; }
    /// <summary>Why a change of a running VM waits for the next start, or what happened live.</summary>
    public string? Note { get; init; }
}

/// <summary>Result of <c>PUT /v1/vms/{name}/spec</c> and <c>PATCH /v1/vms/{name}</c>.</summary>
public sealed record EditResult
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>State of the VM.</summary>
    public required VmState State { get; init; }
    /// <summary>The definition's revision after the change (unchanged on a dry run or when nothing changed).</summary>
    public long Revision { get; init; }
    /// <summary>True when nothing was changed because the request asked only to check (<c>dry_run</c>).</summary>
    public bool DryRun { get; init; }
    /// <summary>The fields that change, in spec order; empty when the new definition equals the old.</summary>
    public IReadOnlyList<SpecChange> Changes { get; init; } = [];
    /// <summary>Changes of the running VM still waiting for its next start (these and earlier ones).</summary>
    public IReadOnlyList<SpecChange> Pending { get; init; } = [];
    /// <summary>Summary: <c>2 changes applied live, 1 pending until the next start</c>.</summary>
    public string? Message { get; init; }
}

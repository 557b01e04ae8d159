namespace Vireo.Contracts;

/// <summary>Body of <c>POST /v1/vms/{name}/rename</c> (<c>vireo rename</c>).</summary>
public sealed record RenameRequest
{
    /// <summary>The VM's new name (same rule as any VM name). Example: <c>web2</c>.</summary>
    public required string Name { get; init; }
}

/// <summary>What <c>vireo clone</c> made: the new VM, each disk, and the volumes that became read-only bases.</summary>
public sealed record CloneResult
{
    /// <summary>The new VM.</summary>
    public required VmInfo Vm { get; init; }
    /// <summary>The VM it was cloned from.</summary>
    public required string Source { get; init; }
    /// <summary>True for a linked clone (qcow2 overlays), false for full copies.</summary>
    public bool Linked { get; init; }
    /// <summary>Each disk of the new VM, in spec order.</summary>
    public IReadOnlyList<ClonedDisk> Disks { get; init; } = [];
    /// <summary>
    /// Linked clones: the read-only bases under the source and the clone. A base that is not <see cref="CloneBase.Reused"/>
    /// was made by this clone from the source's volume (which is now an empty overlay on it).
    /// </summary>
    public IReadOnlyList<CloneBase> Bases { get; init; } = [];
    /// <summary>
    /// Settings of the source that the clone does not keep because they must differ between VMs, as sentences
    /// (today: a fixed VNC port, <c>graphics.port</c>, which the clone leaves to the first free display). Empty when none.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One disk of a clone.</summary>
public sealed record ClonedDisk
{
    /// <summary>Position in the spec's disks.</summary>
    public int Index { get; init; }
    /// <summary><c>copied</c> (a full copy), <c>overlay</c> (a qcow2 overlay on <see cref="Backing"/>) or <c>shared</c> (read-only disks and CD-ROMs, used by both VMs as they are).</summary>
    public required string How { get; init; }
    /// <summary>The source VM's disk: its volume or path (null for an empty CD-ROM drive).</summary>
    public string? Source { get; init; }
    /// <summary>The new VM's volume (null for a shared disk).</summary>
    public string? Volume { get; init; }
    /// <summary>The base volume an overlay reads its unchanged blocks from.</summary>
    public string? Backing { get; init; }
}

/// <summary>A read-only base under a linked clone and its source.</summary>
public sealed record CloneBase
{
    /// <summary>The base volume, <c>POOL/NAME</c>: read-only from now on, deletable once nothing is layered on it.</summary>
    public required string Base { get; init; }
    /// <summary>The source VM's volume, which is (or already was) an overlay on the base and keeps its name.</summary>
    public required string Source { get; init; }
    /// <summary>True when the base already existed and the source's volume had no changes of its own: nothing of the source changed.</summary>
    public bool Reused { get; init; }
}

/// <summary>The answer to <c>DELETE /v1/vms/{name}</c>: like <see cref="ActionResult"/>, with what became of the VM's storage.</summary>
public sealed record UndefineResult
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>Always <c>stopped</c>: the VM no longer exists.</summary>
    public required VmState State { get; init; }
    /// <summary>Human-readable outcome.</summary>
    public string? Message { get; init; }
    /// <summary>With <c>remove_all_storage</c>: each disk image of the VM (and each base under them), removed or kept and why. Empty otherwise.</summary>
    public IReadOnlyList<StorageRemoval> Storage { get; init; } = [];
}

/// <summary>One disk image considered by <c>undefine --remove-all-storage</c>.</summary>
public sealed record StorageRemoval
{
    /// <summary>The volume (<c>POOL/NAME</c>), or null for an image outside the pools.</summary>
    public string? Volume { get; init; }
    /// <summary>The image file.</summary>
    public string? Path { get; init; }
    /// <summary>True when it was removed.</summary>
    public bool Removed { get; init; }
    /// <summary>Why it was kept, or what went wrong removing it.</summary>
    public string? Reason { get; init; }
}

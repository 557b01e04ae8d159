namespace Vireo.Core.Specs;

/// <summary>What the validator needs to know about the host.</summary>
public sealed record HostLimits
{
    /// <summary>Online logical CPUs: the most vCPUs one VM may have.</summary>
    public required int HostCpus { get; init; }
    /// <summary>Host RAM in MiB: the most memory one VM may have.</summary>
    public required long HostMemoryMiB { get; init; }
    /// <summary>Whether a file exists (injected so tests need no real files).</summary>
    public required Func<string, bool> FileExists { get; init; }
}

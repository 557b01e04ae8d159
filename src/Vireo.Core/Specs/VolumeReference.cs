using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// <c>POOL/NAME</c> in a VM spec: the rules are <see cref="StorageNames"/>', so that a spec, the API and the CLI
/// refuse the same references with the same words.
/// </summary>
public static class VolumeReference
{
    /// <summary>Null when <paramref name="reference"/> is a well-formed <c>POOL/NAME</c>; else what is wrong.</summary>
    public static string? Validate(string? reference) =>
        StorageNames.TrySplit(reference, out _, out _, out var problem) ? null : problem;

    /// <summary>Splits a reference that <see cref="Validate"/> accepted.</summary>
    public static (string Pool, string Name) Split(string reference) =>
        StorageNames.TrySplit(reference, out var pool, out var name, out var problem)
            ? (pool, name)
            : throw new ArgumentException($"\"{reference}\" {problem}", nameof(reference));
}

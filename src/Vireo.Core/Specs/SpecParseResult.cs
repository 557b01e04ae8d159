using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// The outcome of parsing a spec: either a <see cref="Spec"/> and no errors, or no spec and every error found.
/// </summary>
public sealed record SpecParseResult
{
    /// <summary>The bound spec; null whenever <see cref="Errors"/> is not empty.</summary>
    public VmSpec? Spec { get; init; }

    /// <summary>Every problem found, in document order within each stage (syntax, structure and types, rules).</summary>
    public IReadOnlyList<FieldError> Errors { get; init; } = [];

    /// <summary>True when the spec parsed without errors.</summary>
    public bool Success => Errors.Count == 0;

    /// <summary>All errors as lines, <c>path: "value" problem; fix</c>, for a CLI or an API <c>detail</c>.</summary>
    public override string ToString() =>
        Success ? "ok" : string.Join(Environment.NewLine, Errors.Select(e => e.ToString()));
}

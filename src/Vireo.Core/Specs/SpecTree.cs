namespace Vireo.Core.Specs;

/// <summary>Where a node starts in the source text (1-based), for messages that need a location.</summary>
internal readonly record struct SpecMark(long Line, long Column)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>
/// A format-neutral document tree: what YAML and JSON have in common (mappings, sequences, scalars), plus the two
/// facts the binder needs that a JsonNode would lose — whether a scalar was quoted, and where each node starts.
/// </summary>
internal abstract record SpecNode(SpecMark Mark)
{
    /// <summary>Human name of the node's kind, for "expected X, found Y" messages.</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar as written. <see cref="Quoted"/> scalars (or ones tagged <c>!!str</c>) are always strings.</summary>
internal sealed record SpecScalar(string Text, bool Quoted, SpecMark Mark) : SpecNode(Mark)
{
    /// <summary>The scalar's type under the YAML 1.2 core schema (which also covers every JSON literal).</summary>
    public ScalarKind Kind { get; } = Quoted ? ScalarKind.String : ScalarResolver.Resolve(Text);

    /// <inheritdoc />
    public override string KindName => Kind switch
    {
        ScalarKind.Null => "null",
        ScalarKind.Bool => "a boolean",
        ScalarKind.Int => "an integer",
        ScalarKind.Float => "a number",
        _ => "a string",
    };
}

/// <summary>A mapping, entries in document order. Duplicate keys are kept here and reported by the binder.</summary>
internal sealed record SpecMapping(IReadOnlyList<SpecEntry> Entries, SpecMark Mark) : SpecNode(Mark)
{
    /// <inheritdoc />
    public override string KindName => "a mapping";
}

/// <summary>One key/value pair of a <see cref="SpecMapping"/>.</summary>
internal sealed record SpecEntry(string Key, SpecMark KeyMark, SpecNode Value);

/// <summary>A sequence, items in document order.</summary>
internal sealed record SpecSequence(IReadOnlyList<SpecNode> Items, SpecMark Mark) : SpecNode(Mark)
{
    /// <inheritdoc />
    public override string KindName => "a list";
}

/// <summary>The type a plain scalar resolves to.</summary>
internal enum ScalarKind
{
    /// <summary><c>null</c>, <c>~</c> or nothing at all.</summary>
    Null,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Bool,
    /// <summary>A decimal integer.</summary>
    Int,
    /// <summary>A decimal number with a fraction or exponent (or .inf / .nan).</summary>
    Float,
    /// <summary>Anything else, and every quoted scalar.</summary>
    String,
}

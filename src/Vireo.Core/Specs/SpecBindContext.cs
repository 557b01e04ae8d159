using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Typed reads from a <see cref="SpecNode"/> tree that never throw: every problem becomes a <see cref="FieldError"/>
/// with its path and the read returns null, so binding carries on and the user sees all problems at once.
/// A null node (<c>field:</c> with nothing, or <c>~</c>) means "not given" everywhere.
/// </summary>
internal sealed class SpecBindContext
{
    /// <summary>Past this many errors the input is garbage, not a spec with typos; stop before flooding the user.</summary>
    public const int MaxErrors = 100;

    private readonly List<FieldError> _errors = [];

    public IReadOnlyList<FieldError> Errors => _errors;

    public void Add(string path, string? value, string message)
    {
        if (_errors.Count == MaxErrors)
            throw new TooManyErrorsException();
        _errors.Add(new FieldError { Field = path, Value = value is null ? null : DisplayText.Escape(value), Message = message });
    }

    public static bool IsNull(SpecNode node) => node is SpecScalar { Kind: ScalarKind.Null };

    /// <summary>Walks a mapping in document order, reporting unknown and repeated keys; calls bind for the rest.</summary>
    public void Fields(SpecMapping map, string parent, IReadOnlyCollection<string> known, Action<string, SpecNode, string> bind)
    {
        var seen = new Dictionary<string, SpecMark>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            var path = SpecFields.Join(parent, entry.Key.Length == 0 ? "(empty key)" : DisplayText.Sanitize(entry.Key));
            if (!known.Contains(entry.Key))
            {
                Add(path, null, $"unknown field; {Suggestions.Hint(entry.Key, known, "known fields here are")}");
                continue;
            }
            if (seen.TryGetValue(entry.Key, out var first))
            {
                Add(path, null, $"is given twice (lines {first.Line} and {entry.KeyMark.Line}); keep one");
                continue;
            }
            seen[entry.Key] = entry.KeyMark;
            bind(entry.Key, entry.Value, path);
        }
    }

    public SpecMapping? Mapping(SpecNode node, string path, string example)
    {
        if (node is SpecMapping map) return map;
        if (IsNull(node)) return null;
        WrongKind(node, path, $"a mapping such as {example}");
        return null;
    }

    public SpecSequence? Sequence(SpecNode node, string path, string example)
    {
        if (node is SpecSequence seq) return seq;
        if (IsNull(node)) return null;
        WrongKind(node, path, $"a list such as {example}");
        return null;
    }

    public string? String(SpecNode node, string path)
    {
        if (node is not SpecScalar s) return WrongKind<string>(node, path, "text");
        switch (s.Kind)
        {
            case ScalarKind.Null: return null;
            case ScalarKind.String: return s.Text;
            default:
                // A YAML number or boolean where text is expected: refuse rather than stringify, because the
                // parser may already have changed its meaning for the user (e.g. 1.10 vs 1.1 to a YAML 1.1 reader).
                Add(path, s.Text, $"is {s.KindName}, not text; put it in quotes (\"{s.Text}\") if you mean the text");
                return null;
        }
    }

    public int? Int(SpecNode node, string path, string example)
    {
        if (node is not SpecScalar s) return WrongKind<int?>(node, path, $"an integer such as {example}");
        switch (s.Kind)
        {
            case ScalarKind.Null: return null;
            case ScalarKind.Int:
                if (int.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
                Add(path, s.Text, $"is too large for an integer; give a number such as {example}");
                return null;
            case ScalarKind.String when ScalarResolver.Resolve(s.Text) == ScalarKind.Int:
                Add(path, s.Text, $"is a string; write {s.Text} without quotes");
                return null;
            default:
                Add(path, s.Text, $"is not an integer; write a whole number such as {example}");
                return null;
        }
    }

    public bool? Bool(SpecNode node, string path)
    {
        if (node is not SpecScalar s) return WrongKind<bool?>(node, path, "true or false");
        switch (s.Kind)
        {
            case ScalarKind.Null: return null;
            case ScalarKind.Bool: return ScalarResolver.IsTrue(s.Text);
            case ScalarKind.String when ScalarResolver.Resolve(s.Text) == ScalarKind.Bool:
                Add(path, s.Text, $"is a string; write {s.Text.ToLowerInvariant()} without quotes");
                return null;
            default:
                Add(path, s.Text, "is not a boolean; write true or false");
                return null;
        }
    }

    /// <summary>An integer (MiB) or a size string with a binary unit; returns MiB.</summary>
    public long? MemoryMiB(SpecNode node, string path)
    {
        const string example = "512MiB or 2G";
        if (node is not SpecScalar s) return WrongKind<long?>(node, path, $"a size such as {example}");
        switch (s.Kind)
        {
            case ScalarKind.Null: return null;
            case ScalarKind.Int:
                if (long.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mib)) return mib;
                Add(path, s.Text, $"is too large; give a size such as {example}");
                return null;
            case ScalarKind.Float:
                Add(path, s.Text, $"is not a whole number of MiB; give a size with a unit, e.g. {s.Text}G");
                return null;
            case ScalarKind.String when ScalarResolver.Resolve(s.Text) == ScalarKind.Int:
                Add(path, s.Text, $"is a string; write {s.Text} without quotes (MiB) or add a unit, e.g. {s.Text}MiB");
                return null;
            case ScalarKind.String:
                if (SizeParser.TryParseMiB(s.Text, out var parsed, out var error)) return parsed;
                Add(path, s.Text, error);
                return null;
            default:
                Add(path, s.Text, $"is not a size; write MiB as a number or a size such as {example}");
                return null;
        }
    }

    private void WrongKind(SpecNode node, string path, string expected)
    {
        if (node is SpecScalar s) Add(path, s.Text, $"is {s.KindName}; expected {expected}");
        else Add(path, null, $"is {node.KindName}; expected {expected}");
    }

    private T? WrongKind<T>(SpecNode node, string path, string expected)
    {
        WrongKind(node, path, expected);
        return default;
    }

    /// <summary>Thrown once <see cref="MaxErrors"/> is reached; the parser turns it into a closing error.</summary>
    public sealed class TooManyErrorsException : Exception;
}

using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>
/// <c>POOL/NAME</c>, how a volume is named everywhere (specs, API, CLI). The pool part follows the VM name rule;
/// the volume name is a file name inside the pool's directory, so it may never be a path (<c>/</c>, <c>..</c>).
/// </summary>
public static partial class VolumeReference
{
    /// <summary>Longest volume name.</summary>
    public const int MaxNameLength = 128;

    private const string NameAllowed = "use 1-128 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit";

    /// <summary>Null when <paramref name="reference"/> is a well-formed <c>POOL/NAME</c>; else what is wrong.</summary>
    public static string? Validate(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
            return "is empty; give POOL/NAME, e.g. default/web1-root.qcow2 (see vireo vol list)";
        if (reference.StartsWith('/'))
            return "is a path, not a volume; give POOL/NAME (import the file with vireo vol import, or use path: for an image outside the pools)";
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            return "has no pool; give POOL/NAME, e.g. default/" + reference;
        var pool = reference[..slash];
        var name = reference[(slash + 1)..];
        if (VmNameRules.Validate(pool) is { } poolError)
            return $"has an invalid pool name \"{pool}\": {poolError}";
        return ValidateName(name) is { } nameError ? $"has an invalid volume name \"{name}\": {nameError}" : null;
    }

    /// <summary>Null when <paramref name="name"/> is a valid volume name (the part after the slash).</summary>
    public static string? ValidateName(string name)
    {
        if (name.Length == 0) return $"is empty; {NameAllowed}";
        if (name.Contains('/', StringComparison.Ordinal)) return $"contains \"/\": a volume name is a file name in its pool, not a path; {NameAllowed}";
        if (name.Contains("..", StringComparison.Ordinal)) return $"contains \"..\"; {NameAllowed}";
        if (name.Length > MaxNameLength) return $"is {name.Length} characters long; {NameAllowed}";
        return NamePattern().IsMatch(name) ? null : $"contains characters that are not allowed; {NameAllowed}";
    }

    /// <summary>Splits a reference that <see cref="Validate"/> accepted.</summary>
    public static (string Pool, string Name) Split(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        return (reference[..slash], reference[(slash + 1)..]);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}

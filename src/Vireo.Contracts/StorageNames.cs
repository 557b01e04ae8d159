using System.Text.RegularExpressions;

namespace Vireo.Contracts;

/// <summary>
/// The rules for storage names, shared by vireod and vireo so that both say the same thing: pools are named like
/// VMs, a volume's name is one file name in its pool, and a volume is referred to as <c>POOL/NAME</c> everywhere.
/// No rule admits <c>/</c> in a name or a name made of dots, so a volume can never point outside its pool.
/// </summary>
public static partial class StorageNames
{
    /// <summary>Longest volume name.</summary>
    public const int MaxVolumeName = 128;

    /// <summary>The volume name rule as a regular expression.</summary>
    public const string VolumePattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    /// <summary>The pool name rule (the VM name rule) as a regular expression.</summary>
    public const string PoolPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";

    private const string VolumeAllowed = "use 1-128 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit, without \"..\"";
    private const string PoolAllowed = "use 1-63 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit";
    private const string Form = "name a volume as POOL/NAME, e.g. default/web1.qcow2";

    /// <summary>Null when <paramref name="name"/> is a valid volume name, else what is wrong (without the name).</summary>
    public static string? ValidateVolumeName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return $"is empty; {VolumeAllowed}";
        if (name.Contains("..", StringComparison.Ordinal)) return $"contains \"..\"; {VolumeAllowed}";
        if (name.Contains('/')) return $"contains \"/\"; a volume name is one file name in its pool; {VolumeAllowed}";
        if (name.Length > MaxVolumeName) return $"is {name.Length} characters long; {VolumeAllowed}";
        return VolumeRegex().IsMatch(name) ? null : $"is not a valid volume name; {VolumeAllowed}";
    }

    /// <summary>Null when <paramref name="name"/> is a valid pool name, else what is wrong (without the name).</summary>
    public static string? ValidatePoolName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return $"is empty; {PoolAllowed}";
        if (name.Contains('/')) return $"contains \"/\"; {PoolAllowed}";
        return PoolRegex().IsMatch(name) ? null : $"is not a valid pool name; {PoolAllowed}";
    }

    /// <summary>
    /// Splits <c>POOL/NAME</c>; on failure <paramref name="problem"/> says what is wrong and how to write it
    /// (without quoting the reference, which callers do).
    /// </summary>
    public static bool TrySplit(string? reference, out string pool, out string name, out string problem)
    {
        pool = name = problem = "";
        if (string.IsNullOrEmpty(reference))
        {
            problem = $"is empty; {Form}";
            return false;
        }
        if (reference.StartsWith('/'))
        {
            problem = "is a path; volumes live only in pools and are named POOL/NAME (e.g. default/web1.qcow2): " +
                      "`vireo pool list` shows the pools, `vireo vol import` copies an existing file into one";
            return false;
        }
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            problem = $"has no pool; {Form}";
            return false;
        }
        var p = reference[..slash];
        var n = reference[(slash + 1)..];
        if (ValidatePoolName(p) is { } poolProblem)
        {
            problem = $"has the pool name \"{p}\", which {poolProblem}";
            return false;
        }
        if (ValidateVolumeName(n) is { } nameProblem)
        {
            problem = $"has the volume name \"{n}\", which {nameProblem}";
            return false;
        }
        pool = p;
        name = n;
        return true;
    }

    /// <summary><c>POOL/NAME</c>.</summary>
    public static string Reference(string pool, string name) => pool + "/" + name;

    // \z, not $: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex VolumeRegex();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PoolRegex();
}

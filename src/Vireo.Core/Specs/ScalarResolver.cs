using System.Text.RegularExpressions;

namespace Vireo.Core.Specs;

/// <summary>
/// Resolves plain scalars by the YAML 1.2 core schema. YAML 1.1's extra booleans (<c>yes</c>, <c>on</c>) and
/// sexagesimal numbers are deliberately NOT recognised: under 1.2 <c>52:54:00:12:34:56</c> is the MAC string it looks
/// like, and <c>yes</c> stays a string so that a boolean field can say "write true or false" instead of guessing.
/// </summary>
internal static partial class ScalarResolver
{
    /// <summary>Classifies the text of an unquoted scalar.</summary>
    public static ScalarKind Resolve(string plain)
    {
        if (plain is "" or "~" or "null" or "Null" or "NULL") return ScalarKind.Null;
        if (plain is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return ScalarKind.Bool;
        if (IntPattern().IsMatch(plain)) return ScalarKind.Int;
        if (FloatPattern().IsMatch(plain) || SpecialFloatPattern().IsMatch(plain)) return ScalarKind.Float;
        return ScalarKind.String;
    }

    /// <summary>True for <c>true</c>/<c>True</c>/<c>TRUE</c>; call only on a scalar that resolved to <see cref="ScalarKind.Bool"/>.</summary>
    public static bool IsTrue(string plain) => plain is "true" or "True" or "TRUE";

    // Core schema integers; octal (0o17) and hex (0x1F) are left out on purpose: nobody means vcpus: 0x2.
    [GeneratedRegex(@"^[-+]?[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))\z", RegexOptions.CultureInvariant)]
    private static partial Regex SpecialFloatPattern();
}

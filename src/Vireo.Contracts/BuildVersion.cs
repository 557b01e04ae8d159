namespace Vireo.Contracts;

/// <summary>
/// The version vireo and vireod report. A development build's informational version is "0.1.0+&lt;40-hex commit&gt;"
/// (the SDK appends the commit): shortened to twelve hex digits. A package build's is the Debian version
/// ("0.1.0+git20261207.223749.104b03e", packaging/deb/build.sh): kept whole, so that two builds of the same
/// release, before and after an upgrade, tell themselves apart.
/// </summary>
public static class BuildVersion
{
    /// <summary>The version to show for an informational version (null: "0.0.0").</summary>
    public static string Display(string? informational)
    {
        if (string.IsNullOrEmpty(informational)) return "0.0.0";
        var plus = informational.IndexOf('+');
        var suffix = plus < 0 ? "" : informational[(plus + 1)..];
        return suffix.Length == 40 && suffix.All(Uri.IsHexDigit) ? informational[..(plus + 13)] : informational;
    }

    /// <summary>The informational version of <paramref name="assembly"/>, for display.</summary>
    public static string Of(System.Reflection.Assembly assembly) =>
        Display(System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion);
}

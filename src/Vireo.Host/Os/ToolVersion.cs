using System.Text.RegularExpressions;

namespace Vireo.Host.Os;

/// <summary>A tool's version parsed from its <c>--version</c> banner.</summary>
/// <param name="Version">Numeric version, e.g. 7.2.22.</param>
/// <param name="Text">The version as the tool wrote it, e.g. <c>7.2.22</c> or <c>2.90</c>.</param>
/// <param name="Banner">The banner's first line, e.g. <c>QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)</c>.</param>
internal sealed partial record ToolVersion(Version Version, string Text, string Banner)
{
    /// <summary>
    /// Parses "QEMU emulator version 7.2.22 (Debian ...)", "qemu-img version 8.2.0", "nftables v1.0.6 (Lester Gooch #5)",
    /// "Dnsmasq version 2.90  Copyright ...".
    /// </summary>
    public static ToolVersion? Parse(string output)
    {
        var banner = CommandResult.FirstLine(output);
        var m = VersionPattern().Match(banner);
        if (!m.Success) return null;
        var version = new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value),
            m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0);
        return new ToolVersion(version, m.Groups[3].Success ? $"{m.Groups[1].Value}.{m.Groups[2].Value}.{m.Groups[3].Value}" : $"{m.Groups[1].Value}.{m.Groups[2].Value}", banner);
    }

    [GeneratedRegex(@"\b(?:version\s+v?|v)(\d+)\.(\d+)(?:\.(\d+))?", RegexOptions.IgnoreCase)]
    private static partial Regex VersionPattern();
}

using System.Globalization;
using System.Text;

namespace Vireo.Host.Network;

/// <summary>Reads dnsmasq's lease file: "EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID" per line, "*" for none.</summary>
public static class DnsmasqLeases
{
    /// <summary>
    /// Most bytes read from a lease file (1 MiB: a /16 full of leases is ~65,000 lines of under 100 bytes, and a
    /// Vireo network is a /24). A guest names its own hostname and client id, so the file is partly guest-written:
    /// the rest of a larger file is ignored, never loaded.
    /// </summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>Longest line kept (dnsmasq's own lines are under 600 bytes: a 255-byte client id in hex).</summary>
    public const int MaxLineChars = 1024;

    /// <summary>The IPv4 leases in <paramref name="leaseFile"/>; empty when the file does not exist yet.</summary>
    public static IReadOnlyList<DhcpLease> Read(string leaseFile)
    {
        if (!File.Exists(leaseFile)) return [];
        using var stream = new FileStream(leaseFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[(int)Math.Min(stream.Length, MaxFileBytes)];
        var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Parse(Encoding.UTF8.GetString(buffer, 0, length));
    }

    /// <summary>
    /// The IPv4 leases in a lease file's text. Never throws: a line that is not a lease (too long, odd fields, an
    /// expiry out of range) is skipped.
    /// </summary>
    public static IReadOnlyList<DhcpLease> Parse(string text)
    {
        var leases = new List<DhcpLease>();
        if (text.Length > MaxFileBytes) text = text[..MaxFileBytes];
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range).TrimEnd('\r');
            if (line.Length > MaxLineChars) continue;
            var f = line.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // IPv6 leases follow a "duid" line and have no MAC; Vireo networks are IPv4.
            if (f.Length < 4 || f[0] == "duid" || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)) continue;
            if (!f[2].Contains('.')) continue;
            // Unix seconds DateTimeOffset can hold (year 9999); a larger number is not a lease dnsmasq wrote.
            if (expiry > 253_402_300_799) continue;
            var expires = expiry == 0 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(expiry);
            leases.Add(new DhcpLease(expires, f[1].ToLowerInvariant(), f[2], f[3] == "*" ? null : f[3]));
        }
        return leases;
    }
}

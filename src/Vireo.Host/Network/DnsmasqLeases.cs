using System.Globalization;

namespace Vireo.Host.Network;

/// <summary>Reads dnsmasq's lease file: "EXPIRY MAC ADDRESS HOSTNAME CLIENT-ID" per line, "*" for none.</summary>
public static class DnsmasqLeases
{
    /// <summary>The IPv4 leases in <paramref name="leaseFile"/>; empty when the file does not exist yet.</summary>
    public static IReadOnlyList<DhcpLease> Read(string leaseFile)
    {
        if (!File.Exists(leaseFile)) return [];
        var leases = new List<DhcpLease>();
        foreach (var line in File.ReadLines(leaseFile))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // IPv6 leases follow a "duid" line and have no MAC; Vireo networks are IPv4.
            if (f.Length < 4 || f[0] == "duid" || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)) continue;
            if (!f[2].Contains('.')) continue;
            var expires = expiry == 0 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(expiry);
            leases.Add(new DhcpLease(expires, f[1].ToLowerInvariant(), f[2], f[3] == "*" ? null : f[3]));
        }
        return leases;
    }
}

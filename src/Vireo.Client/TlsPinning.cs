using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vireo.Client;

/// <summary>
/// Certificate fingerprints as vireod prints them (SHA-256, lowercase hex, colon-separated, like
/// <c>openssl x509 -fingerprint -sha256</c>) and the decision whether a server certificate is trusted: the pinned
/// fingerprint matches, or, pinned or not, the certificate validates normally against the system's authorities.
/// </summary>
public static class TlsPinning
{
    /// <summary>The SHA-256 fingerprint of a DER certificate, as <c>ab:cd:...</c> (95 characters).</summary>
    public static string Fingerprint(ReadOnlySpan<byte> der) =>
        string.Join(':', Convert.ToHexStringLower(SHA256.HashData(der)).Chunk(2).Select(c => new string(c)));

    /// <summary>The SHA-256 fingerprint of <paramref name="certificate"/>.</summary>
    public static string Fingerprint(X509Certificate certificate) => Fingerprint(certificate.GetRawCertData());

    /// <summary>
    /// Reads a fingerprint as people copy it: colons, spaces or none, any case, with or without a leading
    /// <c>sha256:</c> / <c>SHA256 Fingerprint=</c>. Returns the canonical form, or null when it is not 32 bytes of hex.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        string t = text.Trim();
        int eq = t.LastIndexOf('=');
        if (eq >= 0)
            t = t[(eq + 1)..];
        if (t.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) && t.Length > 7 && t.Length != 95)
            t = t[7..];
        var hex = new System.Text.StringBuilder(64);
        foreach (char c in t)
        {
            if (c is ':' or ' ' or '-')
                continue;
            if (!char.IsAsciiHexDigit(c))
                return null;
            hex.Append(char.ToLowerInvariant(c));
        }
        if (hex.Length != 64)
            return null;
        return string.Join(':', hex.ToString().Chunk(2).Select(c => new string(c)));
    }

    /// <summary>What a TLS handshake found about the server's certificate.</summary>
    public enum Verdict
    {
        /// <summary>The presented certificate's fingerprint is the pinned one.</summary>
        Pinned,
        /// <summary>The certificate validates normally (a trusted authority signed it for this host name).</summary>
        AuthorityTrusted,
        /// <summary>Nothing is pinned and no trusted authority vouches for it: first contact, ask the user.</summary>
        Unknown,
        /// <summary>A fingerprint is pinned and the server presented another, not vouched for by an authority.</summary>
        Changed,
    }

    /// <summary>The trust decision for a presented certificate.</summary>
    public static Verdict Decide(string presentedFingerprint, SslPolicyErrors errors, string? pinnedFingerprint)
    {
        if (pinnedFingerprint is not null && string.Equals(Normalize(pinnedFingerprint), presentedFingerprint, StringComparison.Ordinal))
            return Verdict.Pinned;
        if (errors == SslPolicyErrors.None)
            return Verdict.AuthorityTrusted;
        return pinnedFingerprint is null ? Verdict.Unknown : Verdict.Changed;
    }
}

/// <summary>
/// The remote vireod's TLS certificate is not trusted: it differs from the pinned fingerprint, or nothing is pinned
/// and no trusted authority signed it. Nothing was sent (the token included).
/// </summary>
public sealed class VireoCertificateException(string endpoint, string presented, string? pinned, TlsPinning.Verdict verdict)
    : Exception(verdict == TlsPinning.Verdict.Changed
        ? $"the TLS certificate of vireod at {endpoint} has changed: pinned SHA-256 fingerprint {pinned}, " +
          $"presented {presented}. Someone may be intercepting the connection, or the daemon's certificate was replaced; " +
          "nothing was sent"
        : $"the TLS certificate of vireod at {endpoint} is not signed by a trusted authority and its fingerprint " +
          $"{presented} is not pinned; nothing was sent")
{
    /// <summary>The base address tried.</summary>
    public string Endpoint { get; } = endpoint;
    /// <summary>The fingerprint the server presented.</summary>
    public string Presented { get; } = presented;
    /// <summary>The pinned fingerprint, when there was one.</summary>
    public string? Pinned { get; } = pinned;
    /// <summary>Why it was refused.</summary>
    public TlsPinning.Verdict Verdict { get; } = verdict;
}

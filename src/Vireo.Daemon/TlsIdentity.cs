using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vireo.Daemon;

/// <summary>
/// The TCP listener's certificate: the operator's (tls_cert + tls_key, PEM), or a self-signed ECDSA P-256 one made
/// on the first start in STATE_DIR/tls and kept (key 0600, both written atomically).
/// </summary>
internal sealed class TlsIdentity
{
    private TlsIdentity(X509Certificate2 certificate, string origin)
    {
        Certificate = certificate;
        Origin = origin;
        Fingerprint = FingerprintOf(certificate);
    }

    public X509Certificate2 Certificate { get; }
    /// <summary>Where it came from, for the log.</summary>
    public string Origin { get; }
    /// <summary>SHA-256 of the DER certificate, lowercase hex, colon-separated.</summary>
    public string Fingerprint { get; }

    public static string FingerprintOf(X509Certificate2 certificate) =>
        string.Join(':', SHA256.HashData(certificate.RawData).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Loads the operator's pair, or the generated one (making it when missing).</summary>
    public static TlsIdentity Load(string? certPath, string? keyPath, string stateDir)
    {
        if (certPath is not null || keyPath is not null)
        {
            if (certPath is null || keyPath is null)
                throw new ArgumentException("tls_cert and tls_key go together: give both, or neither for a self-signed certificate");
            return new TlsIdentity(LoadPem(certPath, keyPath), certPath);
        }
        var dir = Path.Combine(stateDir, "tls");
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        if (File.Exists(cert) && File.Exists(key))
            return new TlsIdentity(LoadPem(cert, key), cert);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (certPem, keyPem) = SelfSigned(Dns.GetHostName());
        // The key first: a cert.pem present means its key.pem is too.
        WriteAtomic(key, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteAtomic(cert, certPem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return new TlsIdentity(LoadPem(cert, key), cert + " (self-signed, made now)");
    }

    private static X509Certificate2 LoadPem(string cert, string key)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(cert, key);
            // An ephemeral key is not usable by SslStream everywhere: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"cannot load the TLS certificate {cert} with its key {key}: {e.Message}", e);
        }
    }

    internal static (string Cert, string Key) SelfSigned(string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostname}, O=Vireo"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return (cert.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static void WriteAtomic(string path, string text, UnixFileMode mode) =>
        Vireo.Host.Os.AtomicFile.Write(path, text, mode, forceMode: true);
}

using System.Security.Cryptography.X509Certificates;
using System.Net;
using Vireo.Contracts;
using Vireo.Daemon;

namespace Vireo.Integration.Tests;

/// <summary>The parts of remote access that need no daemon: tokens, lifetimes, the access table, the throttle, the config.</summary>
public sealed class AuthUnitTests
{
    [Fact]
    public void A_token_has_a_16_hex_id_and_a_256_bit_secret_and_only_its_hash_matches()
    {
        var (id, secret, token) = ApiTokens.Generate();
        Assert.Matches("^[0-9a-f]{16}$", id);
        Assert.Matches("^[0-9a-f]{64}$", secret);
        Assert.Equal($"vireo_{id}_{secret}", token);
        Assert.NotEqual(token, ApiTokens.Generate().Token);
        Assert.True(ApiTokens.TryParse(token, out var pid, out var psecret));
        Assert.Equal((id, secret), (pid, psecret));

        var hash = ApiTokens.Hash(secret);
        // SHA-256 of the secret's text, as sha256sum prints it.
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ApiTokens.Hash("test"));
        Assert.True(ApiTokens.Matches(secret, hash));
        Assert.False(ApiTokens.Matches(secret[..^1] + (secret[^1] == '0' ? '1' : '0'), hash));
        Assert.False(ApiTokens.Matches(secret, "not hex"));
        Assert.DoesNotContain(secret, hash);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("vireo_")]
    [InlineData("Bearer vireo_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789ABCDEF_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789abcdef_000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789abcdef_00000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789abcde_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789abcdef-0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("vireo_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000\n")]
    public void Anything_but_the_exact_shape_is_not_a_token(string? text) =>
        Assert.False(ApiTokens.TryParse(text, out _, out _));

    [Theory]
    [InlineData("30m", 30 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("90d", 90 * 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("1y", 365 * 86400)]
    public void A_lifetime_is_a_number_and_a_unit(string text, long seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), TokenLifetime.Parse(text));

    [Theory]
    [InlineData("0d")]
    [InlineData("101y")]
    [InlineData("90")]
    [InlineData("d")]
    [InlineData("1.5d")]
    [InlineData("-1d")]
    [InlineData("1D")]
    [InlineData("forever")]
    public void Other_lifetimes_are_refused(string text) =>
        Assert.Throws<FormatException>(() => TokenLifetime.Parse(text));

    /// <summary>The access table, row by row: method, path, the least role, and who passes.</summary>
    [Theory]
    [InlineData("GET", "/v1/vms", "viewer")]
    [InlineData("HEAD", "/v1/vms/web1", "viewer")]
    [InlineData("GET", "/v1/host", "viewer")]
    [InlineData("GET", "/v1/events", "viewer")]
    [InlineData("GET", "/v1/stats/history", "viewer")]
    [InlineData("GET", "/metrics", "viewer")]
    [InlineData("GET", "/v1/auth/whoami", "viewer")]
    [InlineData("POST", "/v1/auth/login", "anyone")]
    [InlineData("POST", "/v1/auth/logout", "anyone")]
    [InlineData("GET", "/", "anyone")]
    [InlineData("GET", "/assets/index.js", "anyone")]
    [InlineData("GET", "/vms/web1", "anyone")]
    [InlineData("GET", "/v1/vms/web1/console", "operator")]
    [InlineData("GET", "/v1/vms/web1/vnc", "operator")]
    [InlineData("POST", "/v1/vms", "operator")]
    [InlineData("POST", "/v1/vms/web1/start", "operator")]
    [InlineData("DELETE", "/v1/vms/web1", "operator")]
    [InlineData("PATCH", "/v1/vms/web1", "operator")]
    [InlineData("PUT", "/v1/vms/web1/cdroms/0", "operator")]
    [InlineData("POST", "/v1/vms/web1/nics", "operator")]
    [InlineData("POST", "/v1/vms/web1/snapshots/s1/revert", "operator")]
    [InlineData("POST", "/v1/pools/default/volumes", "operator")]
    [InlineData("POST", "/v1/images", "operator")]
    [InlineData("PUT", "/v1/pools/default/volumes/a.qcow2/content", "operator")]
    [InlineData("GET", "/v1/pools/default/volumes/a.qcow2/content", "operator")]
    [InlineData("HEAD", "/v1/pools/default/volumes/a.qcow2/content", "operator")]
    [InlineData("GET", "/v1/pools/default/volumes/a.qcow2", "viewer")]
    [InlineData("DELETE", "/v1/operations/abc", "operator")]
    [InlineData("POST", "/v1/backups/restore", "operator")]
    [InlineData("POST", "/v1/import/libvirt", "operator")]
    [InlineData("POST", "/v1/networks", "admin")]
    [InlineData("DELETE", "/v1/networks/default/forwards/tcp/8080", "admin")]
    [InlineData("PUT", "/v1/networks/default/reservations/web1", "admin")]
    [InlineData("POST", "/v1/host/bridge-uplink", "admin")]
    [InlineData("GET", "/v1/tokens", "admin")]
    [InlineData("POST", "/v1/tokens", "admin")]
    [InlineData("DELETE", "/v1/tokens/0123456789abcdef", "admin")]
    [InlineData("GET", "/v1/audit", "admin")]
    // Routing ignores case and empty segments: so does the table.
    [InlineData("GET", "/V1/TOKENS", "admin")]
    [InlineData("POST", "//v1//networks", "admin")]
    [InlineData("GET", "/v1/VMS/web1/Console", "operator")]
    // A route nobody has put in the table: reading it is a viewer's, changing it an admin's.
    [InlineData("POST", "/v1/something-new", "admin")]
    [InlineData("DELETE", "/v1/something-new/x", "admin")]
    [InlineData("GET", "/v1/something-new", "viewer")]
    [InlineData("POST", "/", "admin")]
    [InlineData("PROPFIND", "/v1/vms", "operator")]
    public void The_access_table_gives_each_route_its_least_role(string method, string path, string role)
    {
        var required = AccessPolicy.Required(method, path);
        Assert.Equal(role, required);
        var rank = role == AccessPolicy.Anyone ? -1 : Roles.Rank(role);
        foreach (var who in Roles.All)
            Assert.Equal(Roles.Rank(who) >= rank, AccessPolicy.Allows(who, required));
        Assert.False(AccessPolicy.Allows("root", Roles.Viewer));
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void The_throttle_answers_after_ten_failures_in_a_minute_per_address_until_the_oldest_leaves_the_window()
    {
        var time = new ManualTime();
        var throttle = new LoginThrottle(time);
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(throttle.Fail(a));
            time.Now += TimeSpan.FromSeconds(1);
        }
        Assert.Equal(TimeSpan.FromSeconds(50), throttle.Fail(a));
        Assert.Null(throttle.Fail(b));
        time.Now += TimeSpan.FromSeconds(50);
        // The first failure has left the window, but refused attempts count too: a caller who keeps trying stays out.
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.Fail(a));
        time.Now += TimeSpan.FromMinutes(2);
        Assert.Null(throttle.Fail(a));
    }

    [Fact]
    public void The_config_file_and_the_flags_give_the_listeners_and_the_certificate()
    {
        var config = DaemonOptions.ParseConfig("# remote access\nlisten = 0.0.0.0:8443\n\n  listen=[::1]:9443  \ntls_cert = /etc/vireo/cert.pem\ntls_key = /etc/vireo/key.pem\n", "vireod.conf");
        Assert.Equal(["0.0.0.0:8443", "[::1]:9443"], config.Listen);
        Assert.Equal(("/etc/vireo/cert.pem", "/etc/vireo/key.pem"), (config.TlsCert, config.TlsKey));
        var e = Assert.Throws<ArgumentException>(() => DaemonOptions.ParseConfig("listen = 1.2.3.4:1\nport = 8443\n", "vireod.conf"));
        Assert.Equal("vireod.conf:2: unknown setting \"port\"; settings: listen, tls_cert, tls_key", e.Message);
        Assert.Contains("vireod.conf:1: expected", Assert.Throws<ArgumentException>(() => DaemonOptions.ParseConfig("listen 8443", "vireod.conf")).Message);

        Assert.Equal(new IPEndPoint(IPAddress.Any, 8443), DaemonOptions.ParseListen("0.0.0.0:8443"));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Any, 8443), DaemonOptions.ParseListen("[::]:8443"));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), DaemonOptions.ParseListen("localhost:0"));
        foreach (var bad in new[] { "8443", "0.0.0.0", "::1:8443", "0.0.0.0:99999", "host.example:8443", "0.0.0.0:-1", "0.0.0.0:" })
            Assert.Contains($"invalid listen address \"{bad}\"", Assert.Throws<ArgumentException>(() => DaemonOptions.ParseListen(bad)).Message);

        var dir = Directory.CreateTempSubdirectory("vireo-conf-").FullName;
        try
        {
            var file = Path.Combine(dir, "vireod.conf");
            File.WriteAllText(file, "listen = 127.0.0.1:8443\n");
            var env = new Dictionary<string, string> { ["VIREO_CONFIG"] = file };
            var fromFile = DaemonOptions.Parse([], k => env.GetValueOrDefault(k));
            Assert.Equal([new IPEndPoint(IPAddress.Loopback, 8443)], fromFile.Listen);
            var fromFlags = DaemonOptions.Parse(["--listen", "127.0.0.1:9000", "--listen=[::1]:9001"], k => env.GetValueOrDefault(k));
            Assert.Equal([new IPEndPoint(IPAddress.Loopback, 9000), new IPEndPoint(IPAddress.IPv6Loopback, 9001)], fromFlags.Listen);
            Assert.Contains("tls_cert and tls_key go together", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--tls-cert", "/x.pem"], k => env.GetValueOrDefault(k))).Message);
            Assert.Contains("cannot read the config file", Assert.Throws<ArgumentException>(() => DaemonOptions.Parse(["--config", Path.Combine(dir, "none")], _ => null)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_audit_target_is_what_the_path_names()
    {
        Assert.Equal("vm:web1", AuthMiddleware.Target("/v1/vms/web1/start"));
        Assert.Equal("network:default", AuthMiddleware.Target("/v1/networks/default/forwards"));
        Assert.Equal("volume:default/a.qcow2", AuthMiddleware.Target("/v1/pools/default/volumes/a.qcow2/resize"));
        Assert.Equal("pool:default", AuthMiddleware.Target("/v1/pools/default"));
        Assert.Null(AuthMiddleware.Target("/v1/vms"));
    }

    [Fact]
    public void A_self_signed_certificate_is_ECDSA_for_the_host_and_loopback()
    {
        var (certPem, keyPem) = TlsIdentity.SelfSigned("vireo-host");
        using var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certPem, keyPem);
        Assert.Equal("CN=vireo-host, O=Vireo", cert.Subject);
        Assert.NotNull(cert.GetECDsaPrivateKey());
        Assert.True(cert.NotAfter > DateTime.UtcNow.AddYears(9));
        var san = cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["vireo-host", "localhost"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        Assert.Matches("^([0-9a-f]{2}:){31}[0-9a-f]{2}$", TlsIdentity.FingerprintOf(cert));
    }
}

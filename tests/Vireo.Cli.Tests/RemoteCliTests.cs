using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vireo.Cli.Remotes;
using Vireo.Client;

namespace Vireo.Cli.Tests;

/// <summary>
/// The remote CLI without a real vireod: the remotes file, fingerprints and the pinning decision, the precedence
/// of --connect / --socket / VIREO_CONNECT / VIREO_SOCKET / the default remote, and whole commands through real TLS
/// against FakeDaemon's loopback listener (a self-signed ECDSA certificate made here). RemoteDaemonTests in
/// Vireo.Integration.Tests does the same against a real vireod.
/// </summary>
public sealed class RemoteCliTests : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("vireo-remote-test-").FullName;

    public void Dispose() => Directory.Delete(_config, recursive: true);

    private string RemotesFile => Path.Combine(_config, "vireo", "remotes.json");

    internal static X509Certificate2 SelfSigned(string cn = "vireod-test")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Kestrel needs the key in a form it can use on Linux: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private async Task<CliResult> Run(string[] args, Dictionary<string, string>? env = null, string stdin = "", bool terminal = false,
        TimeSpan? cancelAfter = null)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var vars = new Dictionary<string, string>(env ?? []) { ["XDG_CONFIG_HOME"] = _config };
        var cliEnv = new CliEnvironment(new MemoryStream(Encoding.UTF8.GetBytes(stdin)), stdout, stderr)
        {
            CurrentDirectory = "/tmp",
            StdinIsTerminal = terminal,
            StderrIsTerminal = terminal,
            GetVariable = name => vars.GetValueOrDefault(name),
        };
        using var cts = new CancellationTokenSource(cancelAfter ?? TimeSpan.FromSeconds(30));
        int rc = await CliApp.RunAsync(args, cliEnv, cts.Token);
        return new CliResult(rc, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    // ---- fingerprints and the pinning decision ----

    [Fact]
    public void Fingerprint_is_sha256_lowercase_with_colons_like_openssl()
    {
        using var cert = SelfSigned();
        string fp = TlsPinning.Fingerprint(cert);
        Assert.Equal(95, fp.Length);
        Assert.Equal(string.Join(':', cert.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant().Chunk(2).Select(c => new string(c))), fp);
        Assert.Equal(fp, TlsPinning.Normalize(fp.ToUpperInvariant()));
        Assert.Equal(fp, TlsPinning.Normalize(fp.Replace(":", "")));
        Assert.Equal(fp, TlsPinning.Normalize("sha256 Fingerprint=" + fp.ToUpperInvariant()));
        Assert.Equal(fp, TlsPinning.Normalize("sha256:" + fp.Replace(":", "")));
        Assert.Null(TlsPinning.Normalize(fp[..^3]));
        Assert.Null(TlsPinning.Normalize("g" + fp[1..]));
        Assert.Null(TlsPinning.Normalize(""));
    }

    [Theory]
    [InlineData(true, SslPolicyErrors.RemoteCertificateChainErrors, TlsPinning.Verdict.Pinned)]
    [InlineData(true, SslPolicyErrors.None, TlsPinning.Verdict.Pinned)]
    [InlineData(false, SslPolicyErrors.RemoteCertificateChainErrors, TlsPinning.Verdict.Changed)]
    [InlineData(false, SslPolicyErrors.RemoteCertificateNameMismatch, TlsPinning.Verdict.Changed)]
    [InlineData(false, SslPolicyErrors.None, TlsPinning.Verdict.AuthorityTrusted)]
    public void A_pinned_or_authority_signed_certificate_is_trusted_and_nothing_else(bool samePin, SslPolicyErrors errors, TlsPinning.Verdict expected)
    {
        const string presented = "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99";
        string pinned = samePin ? presented.ToUpperInvariant() : presented.Replace("aa:bb", "ab:cd");
        Assert.Equal(expected, TlsPinning.Decide(presented, errors, pinned));
        Assert.Equal(errors == SslPolicyErrors.None ? TlsPinning.Verdict.AuthorityTrusted : TlsPinning.Verdict.Unknown,
            TlsPinning.Decide(presented, errors, null));
    }

    // ---- the remotes file ----

    [Fact]
    public void Remotes_file_round_trips_mode_0600_without_leftovers_and_a_damaged_one_is_named()
    {
        var config = new RemotesConfig { DefaultRemote = "lab" };
        config.Remotes["lab"] = new RemoteEntry { Url = "https://192.0.2.1:8443/", Fingerprint = "ab", Token = "vireo_x_y" };
        config.Save(RemotesFile);
        config.Save(RemotesFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RemotesFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(RemotesFile)!));
        Assert.Equal(["remotes.json"], Directory.GetFiles(Path.GetDirectoryName(RemotesFile)!).Select(Path.GetFileName));
        var back = RemotesConfig.Load(RemotesFile);
        Assert.Equal("lab", back.DefaultRemote);
        Assert.Equal(config.Remotes["lab"], back.Remotes["lab"]);
        Assert.Contains("\"default_remote\": \"lab\"", File.ReadAllText(RemotesFile));

        Assert.Empty(RemotesConfig.Load(Path.Combine(_config, "none", "remotes.json")).Remotes);
        File.WriteAllText(RemotesFile, "{ not json");
        var e = Assert.Throws<CliUsageException>(() => RemotesConfig.Load(RemotesFile));
        Assert.Contains(RemotesFile, e.Message);
    }

    [Theory]
    [InlineData("https://h.example:9000", "https://h.example:9000/")]
    [InlineData("h.example", "https://h.example:8443/")]
    [InlineData("https://h.example", "https://h.example:8443/")]
    [InlineData("https://h.example:443", "https://h.example/")]
    [InlineData("https://[::1]:8443/", "https://[::1]:8443/")]
    public void Remote_addresses_are_https_host_port(string text, string expected)
    {
        Assert.Null(RemotesConfig.ParseUrl(text, out var url));
        Assert.Equal(expected, url!.ToString());
    }

    [Theory]
    [InlineData("http://h:8443", "TLS only")]
    [InlineData("ftp://h", "scheme ftp")]
    [InlineData("https://h:8443/v1", "path")]
    [InlineData("https://u@h:8443", "user")]
    public void Other_addresses_are_refused_with_the_reason(string text, string reason) =>
        Assert.Contains(reason, RemotesConfig.ParseUrl(text, out _));

    // ---- precedence ----

    private static RemotesConfig TwoRemotes(string? defaultRemote)
    {
        var c = new RemotesConfig { DefaultRemote = defaultRemote };
        c.Remotes["a"] = new RemoteEntry { Url = "https://a.example:8443/", Fingerprint = "fa", Token = "stored-a" };
        c.Remotes["b"] = new RemoteEntry { Url = "https://b.example:9443/", Fingerprint = "fb" };
        return c;
    }

    private static RemoteTarget Resolve(string? connect, string? socket, string? token, Dictionary<string, string> env, string? defaultRemote = "a") =>
        RemoteTarget.Resolve(connect, socket, token, n => env.GetValueOrDefault(n), "/work", () => TwoRemotes(defaultRemote));

    [Fact]
    public void Precedence_is_flag_then_environment_then_default_remote_then_socket()
    {
        var env = new Dictionary<string, string> { ["VIREO_CONNECT"] = "b", ["VIREO_SOCKET"] = "/env.sock" };
        Assert.Equal(("--connect", "a"), (Resolve("a", "/flag.sock", null, env).Source, Resolve("a", "/flag.sock", null, env).Name));
        Assert.Equal(("--socket", "/flag.sock"), (Resolve(null, "/flag.sock", null, env).Source, Resolve(null, "/flag.sock", null, env).Socket));
        Assert.Equal(("VIREO_CONNECT", "b"), (Resolve(null, null, null, env).Source, Resolve(null, null, null, env).Name));
        env.Remove("VIREO_CONNECT");
        Assert.Equal("/env.sock", Resolve(null, null, null, env).Socket);
        env.Remove("VIREO_SOCKET");
        var byDefault = Resolve(null, null, null, env);
        Assert.Equal(("the default remote", "a", "fa"), (byDefault.Source, byDefault.Name, byDefault.Fingerprint));
        Assert.Equal(VireoClient.DefaultSocketPath, Resolve(null, null, null, env, defaultRemote: null).Socket);
        // "local" is the socket whatever the default remote; a relative --socket is this directory's.
        Assert.Equal("/work/rel.sock", Resolve("local", "rel.sock", null, env).Socket);
        Assert.Equal(VireoClient.DefaultSocketPath, Resolve("local", null, null, env).Socket);
    }

    [Fact]
    public void Token_is_the_flag_then_VIREO_TOKEN_then_the_stored_one()
    {
        var env = new Dictionary<string, string> { ["VIREO_TOKEN"] = "from-env" };
        Assert.Equal(("flag", "--token"), (Resolve("a", null, "flag", env).Token, Resolve("a", null, "flag", env).TokenSource));
        Assert.Equal(("from-env", "VIREO_TOKEN"), (Resolve("a", null, null, env).Token, Resolve("a", null, null, env).TokenSource));
        Assert.Equal("stored-a", Resolve("a", null, null, []).Token);
        Assert.Null(Resolve("b", null, null, []).Token);
    }

    [Fact]
    public void An_address_finds_its_stored_remote_and_a_bad_name_or_http_is_refused()
    {
        var byUrl = Resolve("https://b.example:9443", null, null, []);
        Assert.Equal(("b", "fb"), (byUrl.Name, byUrl.Fingerprint));
        var unknown = Resolve("https://c.example", null, "t", []);
        Assert.Equal(("https://c.example:8443/", null, "t"), (unknown.Url!.ToString(), unknown.Fingerprint, unknown.Token));
        Assert.Contains("not a known remote (known: local, a, b)", Assert.Throws<CliUsageException>(() => Resolve("nope", null, null, [])).Message);
        Assert.Contains("TLS only", Assert.Throws<CliUsageException>(() => Resolve("http://a.example:8443", null, null, [])).Message);
    }

    // ---- whole commands over real TLS (FakeDaemon's loopback listener) ----

    [Fact]
    public async Task Remote_add_pins_the_certificate_and_commands_run_over_tls_with_the_token()
    {
        using var cert = SelfSigned();
        await using var daemon = await FakeDaemon.StartAsync(cert);
        daemon.RequiredToken = "vireo_abc_secret";
        string url = daemon.TlsAddress!.ToString();

        // Not a terminal and no --accept-certificate: refused, nothing saved.
        var refused = await Run(["remote", "add", "lab", url, "--token", "vireo_abc_secret"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(TlsPinning.Fingerprint(cert), refused.Stderr);
        Assert.Contains("--accept-certificate", refused.Stderr);
        Assert.False(File.Exists(RemotesFile));

        // A wrong token is tried before saving: refused, nothing saved.
        var badToken = await Run(["remote", "add", "lab", url, "--token", "vireo_abc_wrong", "--accept-certificate"]);
        Assert.Equal(5, badToken.ExitCode);
        Assert.Contains("token was refused", badToken.Stderr);
        Assert.False(File.Exists(RemotesFile));

        // On a terminal the user is asked.
        var asked = await Run(["remote", "add", "lab", url, "--token", "vireo_abc_secret"], stdin: "y\n", terminal: true);
        Assert.True(asked.ExitCode == 0, asked.ToString());
        Assert.Contains("Trust this certificate? [y/N]", asked.Stderr);
        var stored = RemotesConfig.Load(RemotesFile).Remotes["lab"];
        Assert.Equal((TlsPinning.Fingerprint(cert), "vireo_abc_secret"), (stored.Fingerprint, stored.Token));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(RemotesFile));

        daemon.Requests.Clear();
        var list = await Run(["--connect", "lab", "list", "--all"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("web1", list.Stdout);
        Assert.Contains(daemon.Requests, r => r.PathAndQuery == "/v1/vms");

        // The console (a WebSocket over TLS, with the token) and logs --follow work remotely.
        var console = await Run(["console", "web1", "--idle", "1"], new() { ["VIREO_CONNECT"] = "lab" }, stdin: "uname -a\n");
        Assert.True(console.ExitCode == 0, console.ToString());
        Assert.Contains(FakeShell.UnameAnswer, console.Stdout);
        var follow = await Run(["--connect", url, "logs", "web1", "--follow"], cancelAfter: TimeSpan.FromSeconds(3));
        Assert.Contains("tick 3", follow.Stdout);

        var show = await Run(["remote", "show"], new() { ["VIREO_CONNECT"] = "lab", ["VIREO_TOKEN"] = "other" });
        Assert.Contains("Chosen by:    VIREO_CONNECT", show.Stdout);
        Assert.Contains("Token:        VIREO_TOKEN", show.Stdout);
        Assert.DoesNotContain("other", show.Stdout);

        Assert.Equal(0, (await Run(["remote", "switch", "lab"])).ExitCode);
        Assert.Contains("lab (default)", (await Run(["remote", "list"])).Stdout);
        Assert.Equal(0, (await Run(["info", "web1"])).ExitCode);
        // --connect local and --socket beat the default remote.
        Assert.Equal(5, (await Run(["--connect", "local", "--socket", "/tmp/vireo-none.sock", "info", "web1"])).ExitCode);
        Assert.Equal(0, (await Run(["remote", "remove", "lab"])).ExitCode);
        Assert.Null(RemotesConfig.Load(RemotesFile).DefaultRemote);
        Assert.Equal(3, (await Run(["remote", "remove", "lab"])).ExitCode);
    }

    [Fact]
    public async Task A_changed_certificate_is_refused_naming_both_fingerprints_and_nothing_is_sent()
    {
        using var first = SelfSigned();
        using var second = SelfSigned();
        await using var daemon = await FakeDaemon.StartAsync(second);
        var config = new RemotesConfig();
        config.Remotes["lab"] = new RemoteEntry { Url = daemon.TlsAddress!.ToString(), Fingerprint = TlsPinning.Fingerprint(first), Token = "t" };
        config.Save(RemotesFile);

        daemon.Requests.Clear();
        var result = await Run(["--connect", "lab", "list"]);
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("has changed", result.Stderr);
        Assert.Contains(TlsPinning.Fingerprint(first), result.Stderr);
        Assert.Contains(TlsPinning.Fingerprint(second), result.Stderr);
        Assert.Contains("vireo remote remove lab", result.Stderr);
        Assert.Empty(daemon.Requests);

        // Unpinned and self-signed: refused too, with how to pin it.
        var unpinned = await Run(["--connect", daemon.TlsAddress.ToString().Replace("127.0.0.1", "localhost"), "list"]);
        Assert.Equal(5, unpinned.ExitCode);
        Assert.Contains("not signed by a trusted authority", unpinned.Stderr);
        Assert.Contains("vireo remote add NAME", unpinned.Stderr);

        // --fingerprint pins only the expected certificate.
        var wrong = await Run(["remote", "add", "lab2", daemon.TlsAddress.ToString(), "--fingerprint", TlsPinning.Fingerprint(first)]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not the expected", wrong.Stderr);
        var right = await Run(["remote", "add", "lab2", daemon.TlsAddress.ToString(), "--fingerprint", TlsPinning.Fingerprint(second).Replace(":", "").ToUpperInvariant()]);
        Assert.True(right.ExitCode == 0, right.ToString());
        Assert.Contains("No token stored", right.Stdout);
    }

    [Fact]
    public async Task Without_a_token_the_401_says_how_to_give_one_and_local_only_commands_refuse()
    {
        using var cert = SelfSigned();
        await using var daemon = await FakeDaemon.StartAsync(cert);
        daemon.RequiredToken = "vireo_abc_secret";
        Assert.Equal(0, (await Run(["remote", "add", "lab", daemon.TlsAddress!.ToString(), "--accept-certificate"])).ExitCode);

        var noToken = await Run(["--connect", "lab", "list"]);
        Assert.Equal(5, noToken.ExitCode);
        Assert.Contains("error: a valid bearer token is required", noToken.Stderr);
        Assert.Contains("hint: remote lab", noToken.Stderr);
        Assert.Contains("--token or VIREO_TOKEN", noToken.Stderr);
        Assert.Equal(0, (await Run(["--connect", "lab", "list"], new() { ["VIREO_TOKEN"] = "vireo_abc_secret" })).ExitCode);

        var env = new Dictionary<string, string> { ["VIREO_CONNECT"] = "lab", ["VIREO_TOKEN"] = "vireo_abc_secret" };
        var build = await Run(["image", "build", "tiny"], env);
        Assert.Equal(2, build.ExitCode);
        Assert.Contains("only works on vireod's own host", build.Stderr);
        daemon.Requests.Clear();
        var relative = await Run(["create", "--name", "x1", "--memory", "128", "--cdrom", "installer.iso"], env);
        Assert.Equal(2, relative.ExitCode);
        Assert.Contains("\"installer.iso\" is a relative path", relative.Stderr);
        Assert.DoesNotContain(daemon.Requests, r => r.Method == "POST");
    }
}

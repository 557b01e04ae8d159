using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Vireo.Persistence;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The TCP listener of a real vireod (its own self-signed certificate, pinned by fingerprint here): tokens, roles,
/// the browser cookie with its CSRF and Origin rules, the failed-login limit and the audit log. vireod runs in the
/// host's network namespace (this process must reach its loopback listener), so nothing here makes a network or
/// starts a VM with a NIC.
/// </summary>
public sealed class RemoteAccessTests(ITestOutputHelper output)
{
    private sealed class Remote : IAsyncDisposable
    {
        public required VireoHarness H { get; init; }
        public required string Address { get; init; }
        public required string Fingerprint { get; init; }
        public HttpClient Http(string? token = null, CookieContainer? cookies = null)
        {
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && Pin(cert) },
                UseCookies = cookies is not null,
                CookieContainer = cookies ?? new CookieContainer(),
            };
            var http = new HttpClient(handler) { BaseAddress = new Uri($"https://{Address}/") };
            if (token is not null)
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return http;
        }

        public bool Pin(X509Certificate cert) =>
            string.Join(':', SHA256.HashData(cert.GetRawCertData()).Select(b => b.ToString("x2"))) == Fingerprint;

        public async Task<string> TokenAsync(string role, params string[] more)
        {
            var created = await H.VireoOk(["token", "create", "--role", role, "-o", "json", .. more]);
            return JsonDocument.Parse(created.Stdout).RootElement.GetProperty("token").GetString()!;
        }

        public ValueTask DisposeAsync() => H.DisposeAsync();
    }

    private async Task<Remote> StartAsync()
    {
        var h = await VireoHarness.StartInHostNamespaceAsync(output, "--listen", "127.0.0.1:0");
        using var client = h.Client();
        var host = await client.GetHostAsync();
        Assert.Single(host.Listen);
        Assert.Matches("^127\\.0\\.0\\.1:[1-9][0-9]*$", host.Listen[0]);
        return new Remote { H = h, Address = host.Listen[0], Fingerprint = host.TlsFingerprint! };
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpMethod method, string path, string? json = null,
        Action<HttpRequestMessage>? more = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        more?.Invoke(request);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    [Fact]
    public async Task The_listener_serves_TLS_with_a_kept_self_signed_certificate_and_tokens_decide_who_may_do_what()
    {
        await using var r = await StartAsync();
        var h = r.H;

        // The certificate: made in STATE_DIR/tls, key 0600, fingerprint as openssl prints it (lowercase), logged and shown.
        var key = Path.Combine(h.StateDir, "tls", "key.pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        using (var cert = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(h.StateDir, "tls", "cert.pem")))
        {
            using var ecdsa = cert.GetECDsaPublicKey();
            Assert.NotNull(ecdsa);
            Assert.True(r.Pin(cert));
        }
        await VireoHarness.WaitUntilAsync(() => h.DaemonLog.Contains(r.Fingerprint), 10);
        Assert.Matches("^([0-9a-f]{2}:){31}[0-9a-f]{2}$", r.Fingerprint);
        var info = await h.VireoOk("host", "info");
        Assert.Contains(r.Fingerprint, info.Stdout);
        Assert.Contains(r.Address, info.Stdout);

        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "a1", "--image", "tiny", "--memory", "128", "--network", "none");

        // No token, a malformed one, an unknown one: 401 problems, and no TLS without the pinned certificate.
        using (var anonymous = r.Http())
        {
            var (status, body) = await Send(anonymous, HttpMethod.Get, "v1/vms");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("unauthorized", Code(body));
            Assert.DoesNotContain("vireo token", body.GetProperty("detail").GetString());
            Assert.Contains("vireo token create", body.GetProperty("hint").GetString());
        }
        foreach (var bad in new[] { "nonsense", "vireo_0123456789abcdef_" + new string('0', 64) })
        {
            using var http = r.Http(bad);
            var (status, body) = await Send(http, HttpMethod.Get, "v1/vms");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("unauthorized", Code(body));
        }
        using (var plain = new HttpClient { BaseAddress = new Uri($"https://{r.Address}/") })
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("v1/vms"));

        var viewerToken = await r.TokenAsync("viewer", "--description", "dashboards");
        var operatorToken = await r.TokenAsync("operator", "--expires", "1d");
        var adminToken = await r.TokenAsync("admin");
        Assert.Matches("^vireo_[0-9a-f]{16}_[0-9a-f]{64}$", viewerToken);
        using var viewer = r.Http(viewerToken);
        using var op = r.Http(operatorToken);
        using var admin = r.Http(adminToken);

        // Viewer: reads, changes nothing, no console.
        var whoami = (await Send(viewer, HttpMethod.Get, "v1/auth/whoami")).Body;
        Assert.Equal("viewer", whoami.GetProperty("role").GetString());
        Assert.Equal("token:" + viewerToken.Split('_')[1], whoami.GetProperty("principal").GetString());
        Assert.StartsWith("127.0.0.1:", whoami.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Send(viewer, HttpMethod.Get, "v1/vms")).Status);
        var refused = await Send(viewer, HttpMethod.Post, "v1/vms/a1/start");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("forbidden", Code(refused.Body));
        Assert.Contains("viewer", refused.Body.GetProperty("detail").GetString());
        Assert.Equal("stopped", JsonDocument.Parse((await h.VireoOk("info", "a1", "-o", "json")).Stdout).RootElement.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(viewer, HttpMethod.Get, "v1/vms/a1/console")).Status);

        // Operator: VMs yes (here the engine answers: a1 is not running), tokens, audit and networks no.
        var suspend = await Send(op, HttpMethod.Post, "v1/vms/a1/suspend");
        Assert.Equal(HttpStatusCode.Conflict, suspend.Status);
        Assert.Equal("invalid_state", Code(suspend.Body));
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(op, HttpMethod.Post, "v1/tokens", """{"role":"admin"}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(op, HttpMethod.Get, "v1/tokens")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(op, HttpMethod.Get, "v1/audit")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(op, HttpMethod.Post, "v1/networks", """{"name":"n1"}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(op, HttpMethod.Post, "v1/host/bridge-uplink", "{}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(op, HttpMethod.Get, "v1/networks")).Status);

        // Admin: tokens and networks (an invalid network is refused by the engine, after the policy let it through).
        var made = await Send(admin, HttpMethod.Post, "v1/tokens", """{"role":"viewer","expires_in":"12h"}""");
        Assert.Equal(HttpStatusCode.Created, made.Status);
        Assert.StartsWith("vireo_", made.Body.GetProperty("token").GetString());
        var badNetwork = await Send(admin, HttpMethod.Post, "v1/networks", """{"name":"bad name!"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badNetwork.Status);
        Assert.Equal("invalid", Code(badNetwork.Body));
        var badToken = await Send(admin, HttpMethod.Post, "v1/tokens", """{"role":"root","expires_in":"forever"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badToken.Status);
        Assert.Equal(["role", "expires_in"], badToken.Body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).ToArray());

        // The same GET over the socket and over TLS gives the same JSON.
        foreach (var path in new[] { "v1/vms", "v1/vms/a1", "v1/networks", "v1/pools" })
        {
            using var local = new HttpClient(new Vireo.Client.UnixSocketHttpHandler(h.Socket)) { BaseAddress = new Uri("http://localhost/") };
            var overSocket = await local.GetStringAsync(path);
            var overTls = await admin.GetStringAsync(path);
            Assert.Equal(overSocket, overTls);
        }

        // Revoked, and expired: 401 saying which; the list shows them so.
        var viewerId = viewerToken.Split('_')[1];
        Assert.Contains($"Token {viewerId} (viewer) revoked", (await h.VireoOk("token", "revoke", viewerId)).Stdout);
        var afterRevoke = await Send(viewer, HttpMethod.Get, "v1/vms");
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.Status);
        Assert.Contains("revoked", afterRevoke.Body.GetProperty("detail").GetString());
        Assert.Equal(3, (await h.Vireo("token", "revoke", "0000000000000000")).ExitCode);
        using (var store = VireoStore.Open(Path.Combine(h.StateDir, "vireo.db")))
        {
            store.InsertToken(new TokenRecord
            {
                Id = "00000000000000ee", Hash = Vireo.Daemon.ApiTokens.Hash(new string('e', 64)), Role = "admin",
                Created = DateTimeOffset.UtcNow.AddDays(-2), Expires = DateTimeOffset.UtcNow.AddDays(-1),
            });
        }
        using (var expired = r.Http("vireo_00000000000000ee_" + new string('e', 64)))
        {
            var (status, body) = await Send(expired, HttpMethod.Get, "v1/vms");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("expired", body.GetProperty("detail").GetString());
        }
        var list = JsonDocument.Parse((await h.VireoOk("token", "list", "-o", "json")).Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(5, list.Count);
        Assert.All(list, t => Assert.False(t.TryGetProperty("token", out _)));
        Assert.True(list.Single(t => t.GetProperty("id").GetString() == viewerId).TryGetProperty("revoked_at", out _));
        var table = (await h.VireoOk("token", "list")).Stdout;
        Assert.Contains("revoked", table);
        Assert.Contains("expired", table);
        Assert.Contains("dashboards", table);
        Assert.DoesNotContain(viewerToken.Split('_')[2], File.ReadAllText(Path.Combine(h.StateDir, "vireo.db")) + h.DaemonLog);
        Assert.Equal(2, (await h.Vireo("token", "create", "--role", "viewer", "--expires", "forever")).ExitCode);
    }

    [Fact]
    public async Task A_browser_logs_in_with_a_cookie_whose_changes_need_the_CSRF_header_and_whose_sockets_need_the_origin()
    {
        await using var r = await StartAsync();
        TinyImage.EnsureBuilt();
        await r.H.VireoOk("create", "--name", "a1", "--image", "tiny", "--memory", "128", "--network", "none");
        var token = await r.TokenAsync("operator");
        var cookies = new CookieContainer();
        using var browser = r.Http(cookies: cookies);

        var badLogin = await Send(browser, HttpMethod.Post, "v1/auth/login", """{"token":"vireo_nope"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, badLogin.Status);
        Assert.Empty(cookies.GetAllCookies());

        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/auth/login") { Content = new StringContent($$"""{"token":"{{token}}"}""", Encoding.UTF8, "application/json") })
        using (var response = await browser.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var setCookie = response.Headers.GetValues("Set-Cookie").Single();
            Assert.StartsWith("vireo_token=", setCookie);
            foreach (var attribute in new[] { "httponly", "secure", "samesite=strict", "path=/" })
                Assert.Contains(attribute, setCookie, StringComparison.OrdinalIgnoreCase);
        }
        var me = await Send(browser, HttpMethod.Get, "v1/auth/whoami");
        Assert.Equal("operator", me.Body.GetProperty("role").GetString());

        // A change without the header is refused before it reaches the engine; with it, the engine answers.
        var noHeader = await Send(browser, HttpMethod.Post, "v1/vms/a1/suspend");
        Assert.Equal(HttpStatusCode.Forbidden, noHeader.Status);
        Assert.Contains("X-Vireo-Csrf", noHeader.Body.GetProperty("detail").GetString());
        var withHeader = await Send(browser, HttpMethod.Post, "v1/vms/a1/suspend", more: m => m.Headers.Add("X-Vireo-Csrf", "1"));
        Assert.Equal(HttpStatusCode.Conflict, withHeader.Status);

        // WebSocket with the cookie: another origin is refused; our own gets through to the console (a1 is not running).
        async Task<HttpStatusCode> Console(string origin)
        {
            using var ws = new ClientWebSocket();
            ws.Options.CollectHttpResponseDetails = true;
            ws.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && r.Pin(cert);
            ws.Options.Cookies = cookies;
            ws.Options.SetRequestHeader("Origin", origin);
            try
            {
                await ws.ConnectAsync(new Uri($"wss://{r.Address}/v1/vms/a1/console"), CancellationToken.None);
                return HttpStatusCode.SwitchingProtocols;
            }
            catch (WebSocketException)
            {
                return ws.HttpStatusCode;
            }
        }
        Assert.Equal(HttpStatusCode.Forbidden, await Console("https://evil.example"));
        Assert.Equal(HttpStatusCode.Conflict, await Console($"https://{r.Address}"));

        // Logout clears the cookie; a stale cookie does not block the login page's own requests.
        Assert.Equal(HttpStatusCode.NoContent, (await Send(browser, HttpMethod.Post, "v1/auth/logout")).Status);
        Assert.DoesNotContain(cookies.GetAllCookies(), c => !c.Expired && c.Value.Length > 0);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(browser, HttpMethod.Get, "v1/vms")).Status);
        cookies.Add(new Cookie("vireo_token", "vireo_stale", "/", "127.0.0.1"));
        Assert.Equal(HttpStatusCode.OK, (await Send(browser, HttpMethod.Post, "v1/auth/login", $$"""{"token":"{{token}}"}""")).Status);
    }

    [Fact]
    public async Task Failed_logins_are_limited_per_address_while_valid_tokens_go_on_and_the_audit_log_records_changes_and_refusals()
    {
        await using var r = await StartAsync();
        var h = r.H;
        var token = await r.TokenAsync("admin", "--description", "audited");
        var id = token.Split('_')[1];
        using var good = r.Http(token);
        using var bad = r.Http("vireo_0123456789abcdef_" + new string('1', 64));

        for (var i = 1; i <= 10; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(bad, HttpMethod.Get, "v1/vms")).Status);
        using (var response = await bad.GetAsync("v1/vms"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            var wait = response.Headers.RetryAfter!.Delta!.Value;
            Assert.InRange(wait.TotalSeconds, 1, 60);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limited", Code(problem));
            Assert.Contains($"try again in {wait.TotalSeconds:0} s", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await Send(good, HttpMethod.Get, "v1/vms")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Send(r.Http("x"), HttpMethod.Post, "v1/auth/login", """{"token":"x"}""")).Status);

        // A change over TLS and one on the socket, then the log: newest first.
        var made = await Send(good, HttpMethod.Post, "v1/tokens", """{"role":"viewer"}""");
        Assert.Equal(HttpStatusCode.Created, made.Status);
        var madeId = made.Body.GetProperty("id").GetString();
        await h.VireoOk("token", "revoke", madeId!);
        var rows = JsonDocument.Parse((await h.VireoOk("audit", "--limit", "100", "-o", "json")).Stdout).RootElement.EnumerateArray().ToList();
        var revoke = rows[0];
        Assert.StartsWith("unix:0(root)", revoke.GetProperty("principal").GetString());
        Assert.Equal(("DELETE", $"/v1/tokens/{madeId}", $"token:{madeId}", 200, "unix", "admin"),
            (revoke.GetProperty("method").GetString(), revoke.GetProperty("path").GetString(), revoke.GetProperty("target").GetString(),
             revoke.GetProperty("status").GetInt32(), revoke.GetProperty("source").GetString(), revoke.GetProperty("role").GetString()));
        var create = rows[1];
        Assert.Equal(($"token:{id}", "POST", "/v1/tokens", $"token:{madeId}", 201),
            (create.GetProperty("principal").GetString(), create.GetProperty("method").GetString(), create.GetProperty("path").GetString(),
             create.GetProperty("target").GetString(), create.GetProperty("status").GetInt32()));
        Assert.StartsWith("127.0.0.1:", create.GetProperty("source").GetString());
        var refusals = rows.Where(x => x.GetProperty("status").GetInt32() is 401 or 429).ToList();
        Assert.Equal(12, refusals.Count);
        Assert.All(refusals, x => Assert.Equal("anonymous", x.GetProperty("principal").GetString()));
        Assert.Contains(refusals, x => x.GetProperty("path").GetString() == "/v1/vms" && x.GetProperty("method").GetString() == "GET");
        Assert.DoesNotContain(rows, x => x.GetProperty("path").GetString() == "/v1/vms" && x.GetProperty("status").GetInt32() == 200);

        var mine = JsonDocument.Parse((await h.VireoOk("audit", "--principal", $"token:{id}", "-o", "json")).Stdout).RootElement;
        Assert.Equal(1, mine.GetArrayLength());
        var text = (await h.VireoOk("audit", "--limit", "3")).Stdout;
        Assert.Contains($"DELETE /v1/tokens/{madeId}", text);
        Assert.Equal(2, (await h.Vireo("audit", "--limit", "0")).ExitCode);
        var badLimit = await Send(good, HttpMethod.Get, "v1/audit?limit=abc");
        Assert.Equal("limit", badLimit.Body.GetProperty("errors")[0].GetProperty("field").GetString());
    }
}

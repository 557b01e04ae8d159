using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;

namespace Vireo.Client;

/// <summary>
/// Typed client for vireod's JSON HTTP API, over its Unix socket (or, later, an http(s) address).
/// Every call throws <see cref="VireoApiException"/> when vireod answers with an error and
/// <see cref="VireoConnectionException"/> when vireod cannot be reached. Thread-safe; reuse one instance.
/// </summary>
public sealed partial class VireoClient : IDisposable
{
    /// <summary>Where vireod listens unless told otherwise.</summary>
    public const string DefaultSocketPath = "/run/vireo/vireod.sock";

    /// <summary>Environment variable that overrides <see cref="DefaultSocketPath"/>.</summary>
    public const string SocketEnvironmentVariable = "VIREO_SOCKET";

    private readonly HttpClient _http;
    private readonly bool _isUnixSocket;

    /// <summary>Connects to vireod's Unix socket at <paramref name="socketPath"/> (connections open lazily).</summary>
    public VireoClient(string socketPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        Endpoint = socketPath;
        _isUnixSocket = true;
        _http = CreateHttpClient(new UnixSocketHttpHandler(socketPath), new Uri("http://localhost/"));
    }

    /// <summary>Connects to vireod at an http or https base address (the TCP API).</summary>
    public VireoClient(Uri baseAddress, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"expected an http or https address, got {baseAddress}", nameof(baseAddress));
        Endpoint = baseAddress.ToString();
        _http = CreateHttpClient(handler ?? new SocketsHttpHandler(), baseAddress);
    }

    /// <summary>
    /// Connects to a remote vireod over TLS: the server's certificate is accepted when its SHA-256 fingerprint is
    /// <paramref name="pinnedFingerprint"/> or when it validates normally against the system's authorities;
    /// otherwise every call throws <see cref="VireoCertificateException"/> before anything is sent. Every request,
    /// WebSocket upgrades included, carries <c>Authorization: Bearer <paramref name="token"/></c> when one is given.
    /// </summary>
    public static VireoClient ForRemote(Uri baseAddress, string? token, string? pinnedFingerprint)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"a remote vireod is reached over TLS only: expected an https address, got {baseAddress}", nameof(baseAddress));
        var guard = new CertificateGuard(baseAddress.GetLeftPart(UriPartial.Authority), TlsPinning.Normalize(pinnedFingerprint));
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = guard.Validate },
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        var client = new VireoClient(baseAddress, handler) { _guard = guard };
        if (!string.IsNullOrEmpty(token))
            client._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Opens a TLS connection to <paramref name="address"/> only to read the server's certificate (no HTTP request,
    /// no token): its fingerprint, whether it validates against the system's authorities, and its subject.
    /// </summary>
    public static async Task<(string Fingerprint, bool AuthorityTrusted, string Subject, DateTime NotAfter)> ProbeCertificateAsync(
        Uri address, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        string endpoint = address.GetLeftPart(UriPartial.Authority);
        using var tcp = new System.Net.Sockets.TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await tcp.ConnectAsync(address.IdnHost, address.Port, timeout.Token).ConfigureAwait(false);
            (string, bool, string, DateTime)? seen = null;
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, cert, _, errors) =>
            {
                if (cert is not null)
                {
                    using var c2 = new System.Security.Cryptography.X509Certificates.X509Certificate2(cert);
                    seen = (TlsPinning.Fingerprint(cert), errors == System.Net.Security.SslPolicyErrors.None, c2.Subject, c2.NotAfter.ToUniversalTime());
                }
                return true;
            });
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = address.IdnHost }, timeout.Token)
                .ConfigureAwait(false);
            return seen ?? throw new VireoConnectionException(endpoint, $"vireod at {endpoint} presented no TLS certificate", null, null);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException
                                   or OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw VireoConnectionException.From(endpoint, false, ex is OperationCanceledException
                ? new TimeoutException($"no TLS handshake within 15 s", ex) : ex);
        }
    }

    private CertificateGuard? _guard;

    /// <summary>The socket path or base address this client talks to.</summary>
    public string Endpoint { get; }

    /// <summary><c>GET /v1/host</c>: daemon and host facts.</summary>
    public Task<HostInfo> GetHostAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/host", VireoJsonContext.Default.HostInfo, ct);

    /// <summary><c>GET /v1/host/check</c>: the host validation report.</summary>
    public Task<HostCheckReport> HostCheckAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/host/check", VireoJsonContext.Default.HostCheckReport, ct);

    /// <summary><c>GET /v1/vms</c>: every defined VM, in any state.</summary>
    public async Task<IReadOnlyList<VmSummary>> ListVmsAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/vms", VireoJsonContext.Default.ListVmSummary, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/vms/{name}</c>.</summary>
    public Task<VmInfo> GetVmAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync(VmPath(name), VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>GET /v1/vms/{name}/spec</c>: the stored spec as YAML text.</summary>
    public async Task<string> GetSpecYamlAsync(string name, CancellationToken ct = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, VmPath(name) + "/spec"), ct)
            .ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /v1/vms</c> with a spec as text; <paramref name="contentType"/> is <c>application/yaml</c> or
    /// <c>application/json</c>. An invalid spec throws <see cref="VireoApiException"/> listing every field problem.
    /// </summary>
    public Task<VmInfo> DefineVmAsync(string specText, string contentType, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(specText);
        var content = new StringContent(specText, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        return SendJsonAsync(HttpMethod.Post, "v1/vms", content, VireoJsonContext.Default.VmInfo, ct);
    }

    /// <summary><c>POST /v1/vms</c> with a spec object (sent as JSON).</summary>
    public Task<VmInfo> DefineVmAsync(VmSpec spec, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return DefineVmAsync(JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec), "application/json", ct);
    }

    /// <summary>
    /// <c>DELETE /v1/vms/{name}[?remove_all_storage=true]</c>: removes a stopped VM's definition; with
    /// <paramref name="removeAllStorage"/> also its own volumes (<see cref="UndefineResult.Storage"/> says what was
    /// removed and what was kept, and why).
    /// </summary>
    public Task<UndefineResult> UndefineAsync(string name, bool removeAllStorage = false, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, VmPath(name) + (removeAllStorage ? "?remove_all_storage=true" : ""), null, VireoJsonContext.Default.UndefineResult, ct);

    /// <summary><c>DELETE /v1/vms/{name}</c>: removes a stopped VM's definition (its volumes stay).</summary>
    public Task<UndefineResult> UndefineAsync(string name, CancellationToken ct) => UndefineAsync(name, false, ct);

    /// <summary><c>POST /v1/vms/{name}/rename</c>: renames a stopped VM; its volumes keep their names.</summary>
    public Task<VmInfo> RenameVmAsync(string name, string newName, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/rename",
            new StringContent(JsonSerializer.Serialize(new RenameRequest { Name = newName }, VireoJsonContext.Default.RenameRequest), Encoding.UTF8, "application/json"),
            VireoJsonContext.Default.VmInfo, ct);

    /// <summary>Starts a VM.</summary>
    public Task<ActionResult> StartAsync(string name, CancellationToken ct = default) => ActionAsync(name, "start", null, ct);

    /// <summary>
    /// ACPI power-down; waits for the guest to power off and, unless <see cref="ShutdownRequest.Force"/> is false,
    /// forces it off after the timeout.
    /// </summary>
    public Task<ActionResult> ShutdownAsync(string name, ShutdownRequest? request = null, CancellationToken ct = default)
    {
        HttpContent? body = request is null
            ? null
            : new StringContent(JsonSerializer.Serialize(request, VireoJsonContext.Default.ShutdownRequest),
                Encoding.UTF8, "application/json");
        return ActionAsync(name, "shutdown", body, ct);
    }

    /// <summary>Kills the VM's QEMU process at once (pulling the plug).</summary>
    public Task<ActionResult> DestroyAsync(string name, CancellationToken ct = default) => ActionAsync(name, "destroy", null, ct);

    /// <summary>Asks the guest to reboot.</summary>
    public Task<ActionResult> RebootAsync(string name, CancellationToken ct = default) => ActionAsync(name, "reboot", null, ct);

    /// <summary>Hard reset (pressing the reset button).</summary>
    public Task<ActionResult> ResetAsync(string name, CancellationToken ct = default) => ActionAsync(name, "reset", null, ct);

    /// <summary>Pauses the VM's vCPUs; memory is kept.</summary>
    public Task<ActionResult> SuspendAsync(string name, CancellationToken ct = default) => ActionAsync(name, "suspend", null, ct);

    /// <summary>Resumes a paused VM.</summary>
    public Task<ActionResult> ResumeAsync(string name, CancellationToken ct = default) => ActionAsync(name, "resume", null, ct);

    /// <summary>
    /// Attaches to the VM's serial console: a WebSocket carrying raw serial bytes in binary frames both ways.
    /// With <paramref name="force"/>, another attached client is disconnected instead of the call failing with
    /// <c>busy</c>. The caller disposes the socket.
    /// </summary>
    public async Task<WebSocket> OpenConsoleAsync(string name, bool force = false, CancellationToken ct = default)
    {
        var uri = new Uri(_http.BaseAddress!, VmPath(name) + "/console" + (force ? "?force=true" : ""));
        try
        {
            return await WebSocketUpgrade.ConnectAsync(_http, uri, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>A refused certificate explains itself; anything else is a connection failure.</summary>
    private Exception Unreachable(HttpRequestException ex) =>
        _guard?.Refusal is { } refusal ? refusal : VireoConnectionException.From(Endpoint, _isUnixSocket, ex);

    /// <summary>The TLS validation callback of a remote client; remembers why it refused.</summary>
    private sealed class CertificateGuard(string endpoint, string? pinned)
    {
        public VireoCertificateException? Refusal { get; private set; }

        public bool Validate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
            System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
        {
            if (certificate is null)
                return false;
            string presented = TlsPinning.Fingerprint(certificate);
            var verdict = TlsPinning.Decide(presented, errors, pinned);
            if (verdict is TlsPinning.Verdict.Pinned or TlsPinning.Verdict.AuthorityTrusted)
                return true;
            Refusal = new VireoCertificateException(endpoint, presented, pinned, verdict);
            return false;
        }
    }

    /// <summary>
    /// The VM's serial log as a text stream (the last <paramref name="tail"/> lines when given). With
    /// <paramref name="follow"/> the stream stays open and delivers new output until it is disposed or
    /// <paramref name="ct"/> is cancelled.
    /// </summary>
    public async Task<Stream> GetLogsAsync(string name, bool follow = false, int? tail = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (follow)
            query.Add("follow=true");
        if (tail is { } n)
            query.Add($"tail={n}");
        string path = VmPath(name) + "/logs" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct, HttpCompletionOption.ResponseHeadersRead)
            .ConfigureAwait(false);
        try
        {
            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static HttpClient CreateHttpClient(HttpMessageHandler handler, Uri baseAddress) =>
        new(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            // Shutdown waits for the guest (120 s by default) and logs --follow never ends: callers cancel instead.
            Timeout = Timeout.InfiniteTimeSpan,
        };

    private static string VmPath(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "v1/vms/" + Uri.EscapeDataString(name);
    }

    private Task<ActionResult> ActionAsync(string name, string action, HttpContent? body, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Post, $"{VmPath(name)}/{action}", body, VireoJsonContext.Default.ActionResult, ct);

    private Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Get, path, null, type, ct);

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> type,
        CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SendAsync(request, ct).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(text, type)
                ?? throw new JsonException("the body was JSON null");
        }
        catch (JsonException ex)
        {
            throw new VireoApiException(response.StatusCode, new ApiError
            {
                Status = (int)response.StatusCode,
                Code = ErrorCodes.Internal,
                Title = "Unexpected response from vireod",
                Detail = $"vireod's answer to {method} /{path} is not a {typeof(T).Name}: {ex.Message} " +
                         "(are vireo and vireod the same version?)",
            });
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(ex);
        }
        finally
        {
            request.Dispose();
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await ApiErrorReader.ReadAsync(response, ct).ConfigureAwait(false);
    }
}

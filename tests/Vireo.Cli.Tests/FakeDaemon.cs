using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>A request the fake daemon received.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string Body);

/// <summary>
/// FAKE vireod: Kestrel on a real Unix socket in a temp dir, serving canned DTOs with the API's routes and wire
/// format, recording every request, and a console WebSocket that answers like a shell on a serial line.
/// It proves what the CLI sends and how it reacts; it knows nothing about VMs beyond its canned data.
/// </summary>
public sealed class FakeDaemon : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dir;
    private readonly ConcurrentDictionary<string, (int Status, ApiError Error)> _failures = new();
    private readonly ConcurrentDictionary<string, (int Status, string Json)> _answers = new();
    private int _consoleClients;

    private FakeDaemon(WebApplication app, string dir, string socketPath)
    {
        _app = app;
        _dir = dir;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();
    /// <summary>What GET /v1/volumes answers (none unless a test adds some).</summary>
    public List<VolumeInfo> Volumes { get; } = [];
    public List<VmInfo> Vms { get; } = [Canned.Vm("web1", VmState.Running, 4242), Canned.Vm("db1", VmState.Stopped, null), Canned.Vm("cr1", VmState.Crashed, null)];
    public HostCheckReport HostCheck { get; set; } = Canned.HostCheck(CheckStatus.Warn);
    /// <summary>How long the fake guest takes to answer a line, like a slow TCG guest.</summary>
    public TimeSpan ShellDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The next requests to "METHOD /path" answer with this error.</summary>
    public void Fail(string methodAndPath, int status, ApiError error) => _failures[methodAndPath] = (status, error);

    /// <summary>Every request from now on answers with this error (null: back to normal).</summary>
    public void FailAll(int status, ApiError? error) => _failAll = error is null ? null : new Failure(status, error);

    private sealed record Failure(int Status, ApiError Error);

    private volatile Failure? _failAll;

    /// <summary>The next requests to "METHOD /path" answer with this raw JSON text (e.g. a document of the wrong shape).</summary>
    public void Answer(string methodAndPath, int status, string json) => _answers[methodAndPath] = (status, json);

    /// <summary>With <see cref="StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2)"/>: https://127.0.0.1:PORT/.</summary>
    public Uri? TlsAddress { get; private set; }

    /// <summary>The token TLS callers must send as <c>Authorization: Bearer</c> (Unix-socket callers need none).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Also listens over TLS on a free loopback port with <paramref name="certificate"/>.</summary>
    public static async Task<FakeDaemon> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var daemon = await StartAsync(certificate, true);
        return daemon;
    }

    public static Task<FakeDaemon> StartAsync() => StartAsync(null, false);

    private static async Task<FakeDaemon> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, bool tls)
    {
        // sun_path is 108 bytes: keep the directory short.
        string dir = Path.Combine("/tmp", "vireo-fake-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        string socket = Path.Combine(dir, "vireod.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socket);
            if (tls)
                k.Listen(System.Net.IPAddress.Loopback, 0, o => Microsoft.AspNetCore.Hosting.ListenOptionsHttpsExtensions.UseHttps(o, certificate!));
        });
        var app = builder.Build();
        var daemon = new FakeDaemon(app, dir, socket);
        daemon.Map(app);
        await app.StartAsync();
        if (tls)
        {
            var addresses = app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer server
                ? server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses : [];
            daemon.TlsAddress = new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)) + "/");
        }
        return daemon;
    }

    private void Map(WebApplication app)
    {
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            string body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync();
            context.Request.Body.Position = 0;
            Requests.Enqueue(new RecordedRequest(context.Request.Method,
                context.Request.Path + context.Request.QueryString, context.Request.ContentType, body));
            if (context.Connection.LocalPort != 0 && RequiredToken is { } token &&
                context.Request.Headers.Authorization.ToString() != "Bearer " + token)
            {
                await WriteError(context, 401, new ApiError { Status = 401, Code = "unauthorized", Title = "Unauthorized", Detail = "a valid bearer token is required" });
                return;
            }
            if (_failAll is { } all)
            {
                await WriteError(context, all.Status, all.Error);
                return;
            }
            if (_failures.TryGetValue($"{context.Request.Method} {context.Request.Path}", out var failure))
            {
                await WriteError(context, failure.Status, failure.Error);
                return;
            }
            if (_answers.TryGetValue($"{context.Request.Method} {context.Request.Path}", out var answer))
            {
                context.Response.StatusCode = answer.Status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(answer.Json);
                return;
            }
            await next(context);
        });

        app.MapGet("/v1/host", () => Results.Json(Canned.Host(), VireoJsonContext.Default.HostInfo));
        app.MapGet("/v1/host/check", () => Results.Json(HostCheck, VireoJsonContext.Default.HostCheckReport));
        app.MapGet("/v1/vms", () => Results.Json(Vms.Select(Canned.Summary).ToList(), VireoJsonContext.Default.ListVmSummary));
        app.MapGet("/v1/volumes", () => Results.Json(Volumes, VireoJsonContext.Default.ListVolumeInfo));
        app.MapPost("/v1/vms", async (HttpContext context) =>
        {
            string body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            VmSpec spec = context.Request.ContentType?.StartsWith("application/json") == true
                ? JsonSerializer.Deserialize(body, VireoJsonContext.Default.VmSpec)!
                : new VmSpec { Name = body.Split('\n').First(l => l.StartsWith("name:"))["name:".Length..].Trim() };
            var info = Canned.Vm(spec.Name, VmState.Stopped, null) with { Spec = spec };
            lock (Vms)
                Vms.Add(info);
            return Results.Json(info, VireoJsonContext.Default.VmInfo, statusCode: 201);
        });
        app.MapGet("/v1/vms/{name}", (string name) =>
            Find(name) is { } vm ? Results.Json(vm, VireoJsonContext.Default.VmInfo) : NotFound(name));
        app.MapGet("/v1/vms/{name}/spec", (string name) =>
            Find(name) is { } vm ? Results.Text($"name: {vm.Name}\nvcpus: {vm.Spec.Vcpus}\nmemory: {vm.Spec.Memory}\n", "text/yaml") : NotFound(name));
        // vireod's own answer: the message repeats the verb.
        app.MapDelete("/v1/vms/{name}", (string name) => Find(name) is { } vm
            ? Results.Json(new ActionResult { Name = vm.Name, State = VmState.Stopped, Message = "undefined" }, VireoJsonContext.Default.ActionResult)
            : NotFound(name));
        // Like vireod, addresses come from leases and reservations whatever the VM's state: a stopped VM has a stale one.
        app.MapGet("/v1/vms/{name}/addresses", (string name) => Find(name) is { } vm
            ? Results.Json(vm.Spec.Nics.Select(n => new VmAddress { Mac = n.Mac ?? "52:54:00:00:00:01", Network = "default", Address = "192.168.122.50/24", Source = "lease" }).ToList(),
                VireoJsonContext.Default.ListVmAddress)
            : NotFound(name));
        app.MapGet("/v1/network-doctor", () => Results.Json(new NetworkDoctorReport { Checks = HostCheck.Checks }, VireoJsonContext.Default.NetworkDoctorReport));
        app.MapGet("/v1/vms/{name}/snapshots", (string name) => Find(name) is { } vm
            ? Results.Json(Canned.SnapshotTree(vm.Name), VireoJsonContext.Default.ListSnapshotInfo)
            : NotFound(name));
        app.MapPost("/v1/vms/{name}/{action}", (string name, string action) => Find(name) is { } vm
            ? Results.Json(new ActionResult
            {
                Name = vm.Name,
                State = action is "start" or "resume" or "reboot" or "reset" ? VmState.Running : action == "suspend" ? VmState.Paused : VmState.Stopped,
                Message = action == "shutdown" ? "guest powered off after 1 s" : null,
            }, VireoJsonContext.Default.ActionResult)
            : NotFound(name));
        app.MapGet("/v1/vms/{name}/logs", async (HttpContext context, string name) =>
        {
            if (Find(name) is null)
            {
                await WriteError(context, 404, NotFoundError(name));
                return;
            }
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("[    0.000000] Linux version 6.1.0-fake\nfake login: \n");
            if (context.Request.Query["follow"] == "true")
            {
                for (int i = 0; !context.RequestAborted.IsCancellationRequested; i++)
                {
                    await context.Response.WriteAsync($"tick {i}\n");
                    await context.Response.Body.FlushAsync();
                    try { await Task.Delay(50, context.RequestAborted); } catch (OperationCanceledException) { }
                }
            }
        });
        app.Map("/v1/vms/{name}/console", ConsoleAsync);
    }

    private async Task ConsoleAsync(HttpContext context, string name)
    {
        var vm = Find(name);
        if (vm is null)
        {
            await WriteError(context, 404, NotFoundError(name));
            return;
        }
        if (vm.State != VmState.Running)
        {
            await WriteError(context, 409, new ApiError { Status = 409, Code = ErrorCodes.InvalidState, Title = "VM not running", Detail = $"VM \"{name}\" is not running (it is {vm.State.ToString().ToLowerInvariant()})", Hint = $"Start it: vireo start {name}" });
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteError(context, 400, new ApiError { Status = 400, Code = ErrorCodes.Invalid, Title = "WebSocket expected" });
            return;
        }
        bool force = context.Request.Query["force"] == "true";
        if (Interlocked.Increment(ref _consoleClients) > 1 && !force)
        {
            Interlocked.Decrement(ref _consoleClients);
            await WriteError(context, 409, new ApiError { Status = 409, Code = ErrorCodes.Busy, Title = "Console busy", Detail = $"the console of VM \"{name}\" is already attached by another client", Hint = $"Take it over: vireo console {name} --force" });
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await FakeShell.RunAsync(socket, ShellDelay, context.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref _consoleClients);
        }
    }

    /// <summary>Holds the console as "another client" until disposed.</summary>
    public IDisposable OccupyConsole()
    {
        Interlocked.Increment(ref _consoleClients);
        return new Releaser(() => Interlocked.Decrement(ref _consoleClients));
    }

    private VmInfo? Find(string name) => Vms.FirstOrDefault(v => v.Name == name);

    private static ApiError NotFoundError(string name) =>
        new() { Status = 404, Code = ErrorCodes.NotFound, Title = "No such VM", Detail = $"no VM named '{name}'" };

    private static IResult NotFound(string name) =>
        Results.Json(NotFoundError(name), VireoJsonContext.Default.ApiError, statusCode: 404);

    private static async Task WriteError(HttpContext context, int status, ApiError error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(error, VireoJsonContext.Default.ApiError));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

/// <summary>What the fake console does: a tty that echoes input and a shell that answers each line after a delay.</summary>
internal static class FakeShell
{
    public const string UnameAnswer = "Linux fake-guest 6.1.0-fake #1 SMP x86_64 GNU/Linux";

    public static async Task RunAsync(WebSocket socket, TimeSpan delay, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var line = new StringBuilder();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
                    return;
                }
                string text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                // The tty's echo, with ONLCR's \n → \r\n.
                await Send(socket, text.Replace("\n", "\r\n"), ct);
                foreach (char c in text)
                {
                    if (c is not ('\n' or '\r'))
                    {
                        line.Append(c);
                        continue;
                    }
                    string command = line.ToString().Trim();
                    line.Clear();
                    await Task.Delay(delay, ct);
                    string answer = command switch
                    {
                        "" => "",
                        "uname -a" => UnameAnswer + "\r\n",
                        "poweroff" => "reboot: Power down\r\n",
                        _ => $"sh: {command}: not found\r\n",
                    };
                    await Send(socket, answer + "/ # ", ct);
                    if (command == "poweroff")
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "VM stopped", ct);
                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static Task Send(WebSocket socket, string text, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Binary, true, ct);
}

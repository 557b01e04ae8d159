using System.Net.Sockets;
using System.Reflection;
using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Daemon;

/// <summary>Starts vireod: one instance per state directory, the engine, then the API on the Unix socket.</summary>
internal static class DaemonHost
{
    public static string Version { get; } = Vireo.Contracts.BuildVersion.Of(typeof(DaemonHost).Assembly);

    /// <summary>
    /// vireod takes its settings from its command line, never from appsettings.json. The web host's default would
    /// watch the working directory for that file, recursively: under systemd that is "/", and vireod then spent
    /// 15 s putting ~43,000 inotify watches on the whole file system at start and woke for every write on the
    /// host (VM disks and qemu-img copies included). So: the content root is the program's own folder and
    /// configuration files are never reloaded.
    /// </summary>
    internal static WebApplicationOptions HostDefaults => new()
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };

    public static async Task<int> RunAsync(DaemonOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(HostDefaults);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(Enum.TryParse<LogLevel>(options.LogLevel, true, out var level) ? level : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Host.UseSystemd();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // The wire format of docs/api.md: the same settings the source-generated context was built with.
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            // Numbers are numbers (the web defaults would also read them from strings, and the OpenAPI document
            // would then describe every integer as "integer or string").
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, VireoJsonContext.Default);
        });
        // The TCP listeners serve TLS only; the certificate is loaded (or made) below, once this vireod owns the
        // state directory, and handed to each TLS handshake.
        TlsIdentity? tls = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.Socket);
            foreach (var endPoint in options.Listen)
                k.Listen(endPoint, l =>
                {
                    // HTTP/1.1 only: browsers then open the consoles' WebSockets as plain upgrades. Over HTTP/2
                    // (extended CONNECT) Chromium's serial console socket was dropped (close 1006) within seconds.
                    l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                    l.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, _) => tls?.Certificate,
                    });
                });
        });
        var remote = new RemoteAccess();
        builder.Services.AddSingleton(remote);
        builder.Services.AddVireoApiContract();

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("vireod");

        using var instanceLock = InstanceLock.TryAcquire(options.StateDir, out var lockError);
        if (instanceLock is null)
        {
            return Fatal(log, lockError ?? "another vireod owns the state directory");
        }
        if (PrepareSocket(options.Socket) is { } socketError)
        {
            return Fatal(log, socketError);
        }
        if (options.Listen.Count > 0)
        {
            try
            {
                tls = TlsIdentity.Load(options.TlsCert, options.TlsKey, options.StateDir);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                return Fatal(log, $"cannot set up TLS: {e.Message}");
            }
            remote.TlsFingerprint = tls.Fingerprint;
        }

        VmEngine engine;
        try
        {
            engine = await VmEngine.OpenAsync(new EngineOptions
            {
                StateDir = options.StateDir,
                ImageDir = options.ImageDir,
                CreateDefaultNetwork = options.CreateDefaultNetwork,
                RegisterBuiltImages = options.RegisterBuiltImages,
            }, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("engine"), CancellationToken.None);
        }
        catch (Exception e) when (e is Vireo.Core.Errors.VireoException or Vireo.Persistence.StoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            return Fatal(log, $"cannot start: {e.Message}" + (e is Vireo.Core.Errors.VireoException { Hint: { } hint } ? $" ({hint})" : ""));
        }

        await using (engine)
        {
            app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
                log.LogInformation("stopping; running VMs keep running"));
            app.UseWebSockets();
            app.UseMiddleware<ApiErrorMiddleware>();
            remote.Auth = new AuthService(engine.Store, TimeProvider.System, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("auth"));
            app.UseMiddleware<AuthMiddleware>(remote.Auth);
            app.MapVireoApi(engine);
            app.MapVireoApiContract();
            app.MapWebUi(options.WebDir, log);

            await app.StartAsync();
            // Kestrel creates the socket with the process umask; the API is for root and the vireo group only.
            File.SetUnixFileMode(options.Socket,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            // root:vireo when vireod runs as root (the group is made if missing, as scripts/deps.sh makes it).
            if (Environment.IsPrivilegedProcess)
                Vireo.Host.Linux.SystemGroups.Chown(options.Socket, 0, Vireo.Host.Linux.SystemGroups.Ensure(Vireo.Host.Linux.SystemGroups.Api));
            log.LogInformation("vireod {Version} listening on {Socket}, state in {StateDir}", Version, options.Socket, options.StateDir);
            if (tls is not null)
            {
                remote.Listen = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                    .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses
                    .Where(a => a.StartsWith("https://", StringComparison.Ordinal)).Select(a => a["https://".Length..].TrimEnd('/')).ToList();
                log.LogInformation("API over TLS on {Listen}; certificate {Origin}, SHA-256 fingerprint {Fingerprint}",
                    string.Join(", ", remote.Listen), tls.Origin, tls.Fingerprint);
            }
            var info = await engine.HostInfoAsync(Version, CancellationToken.None);
            if (info.AccelWarning is not null)
                log.LogWarning("{Warning}", info.AccelWarning);

            _ = Task.Run(() => engine.AutostartAsync(app.Lifetime.ApplicationStopping));
            await app.WaitForShutdownAsync();
        }
        TryDelete(options.Socket);
        return 0;
    }

    /// <summary>
    /// Removes a stale socket left by a killed vireod, but refuses to steal one that a live daemon still serves.
    /// </summary>
    private static string? PrepareSocket(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
            return null;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return $"another vireod is already serving {path}; stop it first or pass a different --socket";
        }
        catch (SocketException)
        {
            TryDelete(path);
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A reason not to start, written to stderr directly as well as logged: the console logger writes from a
    /// background queue that an exiting process does not always flush, and this line is all the operator gets.
    /// </summary>
    private static int Fatal(ILogger log, string message)
    {
        log.LogCritical("{Error}", message);
        Console.Error.WriteLine($"vireod: {message}");
        Console.Error.Flush();
        return 1;
    }
}

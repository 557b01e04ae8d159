namespace Vireo.Daemon;

/// <summary>vireod's settings: command-line flags win over environment variables, which win over defaults.</summary>
internal sealed record DaemonOptions
{
    public const string DefaultStateDir = "/var/lib/vireo";
    public const string DefaultSocket = "/run/vireo/vireod.sock";

    public required string StateDir { get; init; }
    public required string Socket { get; init; }
    public required string ImageDir { get; init; }
    public string LogLevel { get; init; } = "Information";
    public bool CreateDefaultNetwork { get; init; } = true;
    public bool RegisterBuiltImages { get; init; } = true;
    /// <summary>The built web UI (index.html and assets/); null: the program's web/ folder, then /usr/share/vireo/web.</summary>
    public string? WebDir { get; init; }
    public bool ShowHelp { get; init; }
    /// <summary>TCP addresses to serve the API on over TLS (<c>--listen</c>, else the config file's <c>listen</c> lines).</summary>
    public IReadOnlyList<System.Net.IPEndPoint> Listen { get; init; } = [];
    /// <summary>The operator's certificate and key (PEM); both null: a self-signed one in STATE_DIR/tls.</summary>
    public string? TlsCert { get; init; }
    public string? TlsKey { get; init; }
    public bool ShowVersion { get; init; }

    public const string Usage = """
        vireod - the Vireo virtualization daemon

        Usage: vireod [--state-dir DIR] [--socket PATH] [--image-dir DIR] [--log-level LEVEL] [--no-default-network]
                      [--no-register-images] [--config PATH] [--listen ADDR:PORT]... [--tls-cert PATH --tls-key PATH]
                      [--web-dir DIR]

        Owns the VMs of this host: keeps their definitions in an SQLite database in the state directory,
        starts and supervises their QEMU processes, and serves the JSON API that `vireo` uses on a Unix socket.
        QEMU processes outlive vireod: when it starts again it re-attaches to every running VM.

        Options:
          --state-dir DIR    state directory (database, per-VM sockets and serial logs)
                             [env VIREO_STATE_DIR; default /var/lib/vireo]
          --socket PATH      API socket, created with mode 0660 [env VIREO_SOCKET; default /run/vireo/vireod.sock]
          --image-dir DIR    where built-in guest images are cached [env VIREO_IMAGE_DIR; default /var/cache/vireo/images]
          --log-level LEVEL  Trace, Debug, Information, Warning or Error [env VIREO_LOG_LEVEL; default Information]
          --no-default-network
                             do not create the nat network "default" (192.168.122.0/24 or the next free /24)
                             on the first start [env VIREO_NO_DEFAULT_NETWORK=1]
          --no-register-images
                             do not import disk images built into the image directory (debian-12) into the
                             images catalogue at start [env VIREO_NO_REGISTER_IMAGES=1]
          --listen ADDR:PORT also serve the API over TLS on this TCP address (repeatable; e.g. 0.0.0.0:8443,
                             [::]:8443; port 0 picks a free one). Callers there need a token (vireo token create).
                             Replaces the config file's listen lines.
          --tls-cert PATH, --tls-key PATH
                             the listener's certificate and private key (PEM); without them a self-signed ECDSA
                             certificate is made on the first start in STATE_DIR/tls and its fingerprint logged
          --config PATH      config file with lines "listen = ADDR:PORT" (repeatable), "tls_cert = PATH",
                             "tls_key = PATH" and # comments [env VIREO_CONFIG; default /etc/vireo/vireod.conf
                             when it exists]
          --web-dir DIR      the built web UI, served at / [env VIREO_WEB_DIR; default: the web folder next to
                             vireod, then /usr/share/vireo/web]
          --version          print the version and exit
          -h, --help         print this help and exit

        Exit status: 0 after a clean stop; 1 when it cannot start (another vireod owns the state directory,
        the socket cannot be created, the database cannot be opened); 2 for invalid arguments.
        """;

    public static DaemonOptions Parse(string[] args, Func<string, string?> env)
    {
        string? stateDir = null, socket = null, imageDir = null, logLevel = null, webDir = null;
        bool help = false, version = false, noDefaultNetwork = false, noRegisterImages = false;
        string? config = null, tlsCert = null, tlsKey = null;
        var listen = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value()
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                    return arg[(eq + 1)..];
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"{arg} needs a value");
                return args[++i];
            }
            var flag = arg.Split('=', 2)[0];
            switch (flag)
            {
                case "--state-dir": stateDir = Value(); break;
                case "--socket": socket = Value(); break;
                case "--image-dir": imageDir = Value(); break;
                case "--log-level": logLevel = Value(); break;
                case "--web-dir": webDir = Value(); break;
                case "--listen": listen.Add(Value()); break;
                case "--config": config = Value(); break;
                case "--tls-cert": tlsCert = Value(); break;
                case "--tls-key": tlsKey = Value(); break;
                case "-h" or "--help": help = true; break;
                case "--version": version = true; break;
                case "--no-default-network": noDefaultNetwork = true; break;
                case "--no-register-images": noRegisterImages = true; break;
                default: throw new ArgumentException($"unknown argument \"{arg}\"; see vireod --help");
            }
        }
        var configPath = config ?? env("VIREO_CONFIG");
        var file = configPath is not null
            ? ReadConfig(configPath, required: true)
            : help || version ? null : ReadConfig(DefaultConfig, required: false);
        if (listen.Count == 0 && file is not null)
            listen.AddRange(file.Listen);
        tlsCert ??= file?.TlsCert;
        tlsKey ??= file?.TlsKey;
        if ((tlsCert is null) != (tlsKey is null))
            throw new ArgumentException("tls_cert and tls_key go together: give both, or neither for a self-signed certificate");
        return new DaemonOptions
        {
            Listen = listen.Select(ParseListen).ToList(),
            TlsCert = tlsCert is null ? null : Path.GetFullPath(tlsCert),
            TlsKey = tlsKey is null ? null : Path.GetFullPath(tlsKey),
            StateDir = Path.GetFullPath(stateDir ?? env("VIREO_STATE_DIR") ?? DefaultStateDir),
            Socket = Path.GetFullPath(socket ?? env("VIREO_SOCKET") ?? DefaultSocket),
            ImageDir = Path.GetFullPath(imageDir ?? env("VIREO_IMAGE_DIR") ?? Vireo.Core.Images.ImageCatalog.DefaultImageDir),
            LogLevel = logLevel ?? env("VIREO_LOG_LEVEL") ?? "Information",
            CreateDefaultNetwork = !noDefaultNetwork && env("VIREO_NO_DEFAULT_NETWORK") is not "1",
            RegisterBuiltImages = !noRegisterImages && env("VIREO_NO_REGISTER_IMAGES") is not "1",
            WebDir = (webDir ?? env("VIREO_WEB_DIR")) is { Length: > 0 } web ? Path.GetFullPath(web) : null,
            ShowHelp = help,
            ShowVersion = version,
        };
    }

    public const string DefaultConfig = "/etc/vireo/vireod.conf";

    /// <summary>What a config file says.</summary>
    internal sealed record ConfigFile(List<string> Listen, string? TlsCert, string? TlsKey);

    private static ConfigFile? ReadConfig(string path, bool required)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (!required && e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the config file {path}: {e.Message}");
        }
        return ParseConfig(text, path);
    }

    /// <summary>Lines <c>key = value</c>; blank lines and <c># comments</c> are skipped; an unknown key is an error naming its line.</summary>
    internal static ConfigFile ParseConfig(string text, string path)
    {
        var listen = new List<string>();
        string? cert = null, key = null;
        var n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new ArgumentException($"{path}:{n}: expected \"key = value\", got \"{line}\"");
            var name = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length == 0)
                throw new ArgumentException($"{path}:{n}: {name} has no value");
            switch (name)
            {
                case "listen": listen.Add(value); break;
                case "tls_cert": cert = value; break;
                case "tls_key": key = value; break;
                default: throw new ArgumentException($"{path}:{n}: unknown setting \"{name}\"; settings: listen, tls_cert, tls_key");
            }
        }
        return new ConfigFile(listen, cert, key);
    }

    /// <summary><c>ADDR:PORT</c> with an IPv4 or [IPv6] address, or localhost.</summary>
    internal static System.Net.IPEndPoint ParseListen(string text)
    {
        var t = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text[9..] : text;
        var colon = t.LastIndexOf(':');
        if (colon > 0 && System.Net.IPEndPoint.TryParse(t, out var endPoint)
            && int.TryParse(t[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            && (t[..colon] is var host && (host.StartsWith('[') || !host.Contains(':'))))
            return endPoint;
        throw new ArgumentException($"invalid listen address \"{text}\": expected ADDR:PORT, e.g. 0.0.0.0:8443, [::]:8443 or 127.0.0.1:8443");
    }
}

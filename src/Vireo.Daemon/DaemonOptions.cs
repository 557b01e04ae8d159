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
    public bool ShowVersion { get; init; }

    public const string Usage = """
        vireod - the Vireo virtualization daemon

        Usage: vireod [--state-dir DIR] [--socket PATH] [--image-dir DIR] [--log-level LEVEL] [--no-default-network]
                      [--no-register-images] [--web-dir DIR]

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
                case "-h" or "--help": help = true; break;
                case "--version": version = true; break;
                case "--no-default-network": noDefaultNetwork = true; break;
                case "--no-register-images": noRegisterImages = true; break;
                default: throw new ArgumentException($"unknown argument \"{arg}\"; see vireod --help");
            }
        }
        return new DaemonOptions
        {
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
}

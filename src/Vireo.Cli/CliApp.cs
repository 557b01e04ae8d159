using System.CommandLine;
using System.CommandLine.Invocation;
using Vireo.Cli.Options;
using Vireo.Cli.Commands;
using Vireo.Cli.Help;
using Vireo.Cli.Output;
using Vireo.Client;

namespace Vireo.Cli;

/// <summary>Builds vireo's command tree and runs one command line against a <see cref="CliEnvironment"/>.</summary>
internal sealed class CliApp
{
    public CliApp(CliEnvironment env)
    {
        Env = env;
        SocketOption = Opt.Path("--socket",
            $"vireod's Unix socket [env: {VireoClient.SocketEnvironmentVariable}; default: {VireoClient.DefaultSocketPath}]");
        SocketOption.Recursive = true;
    }

    public CliEnvironment Env { get; }
    public CommandDocs Docs { get; } = new();
    public Option<string?> SocketOption { get; }

    /// <summary>Runs <paramref name="args"/> and returns the exit status (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken ct = default)
    {
        var app = new CliApp(env);
        // Bare `vireo` shows the help, like git and kubectl.
        // `vireo --version` alone needs no command at all ("" names none).
        var only = args is ["--version"] ? "" : args.Length > 0 && TopLevelNames.Contains(args[0]) ? args[0] : null;
        var parse = app.BuildRoot(only, withHelp: args.Length == 0 || args.Any(MayAskForHelp))
            .Parse(args.Length == 0 ? ["--help"] : args, ParserSettings);
        // Mistakes are reported in Vireo's words (Output/ParseErrors.cs), before any action, --help included.
        if (ParseErrors.Find(parse) is { Count: > 0 } problems)
            return ParseErrors.Write(env.Error, parse, problems);
        var config = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            // SignalCancellation does this, before the command starts rather than after its first await.
            ProcessTerminationTimeout = null,
        };
        using var signals = env.HandleSignals ? new SignalCancellation() : null;
        using var linked = signals is null ? null : CancellationTokenSource.CreateLinkedTokenSource(ct, signals.Token);
        int rc = await parse.InvokeAsync(config, linked?.Token ?? ct).ConfigureAwait(false);
        if (signals?.ExitCode is int signalled and > 0)
            return signalled;
        return rc;
    }

    /// <summary>
    /// No response files: <c>@NAME</c> is an ordinary word (a path or a name), never a file of more arguments that
    /// System.CommandLine would read and splice in.
    /// </summary>
    private static readonly ParserConfiguration ParserSettings = new() { ResponseFileTokenReplacer = null };

    /// <summary>The whole command tree (help, docs and tests walk it).</summary>
    public RootCommand BuildRoot() => (RootCommand)BuildRoot(null, withHelp: true);

    /// <summary>
    /// The root with only the top-level command <paramref name="only"/> (with its subcommands), with none when it is
    /// "", or with all of them when it is null. A run that names its command builds just that one: building all of them (about 100 commands
    /// and their options) was a tenth of the CLI's start. Without <paramref name="withHelp"/> the root is a plain
    /// command, without System.CommandLine's --help and --version options: creating those loads its localized
    /// resources through reflection, a sixth of `vireo --version`'s CPU, for runs that cannot use them.
    /// </summary>
    internal Command BuildRoot(string? only, bool withHelp = true)
    {
        const string summary = "vireo — manage QEMU/KVM virtual machines through vireod";
        var root = withHelp ? new RootCommand(summary) : new Command("vireo", summary);
        Docs.Add(root,
            """
            vireo talks to the Vireo daemon (vireod) over its Unix socket. Each VM is defined from a declarative spec
            (YAML or JSON, see `vireo define`) or from virt-install-style flags (`vireo create`), then started,
            stopped and attached to like with virsh. Read commands take -o json for scripts: the output is then
            exactly the API's JSON and nothing else.
            Errors go to stderr as `error: ...`, with one line per invalid field.
            """,
            "vireo create --name tiny1 --image tiny --start",
            "vireo list --all",
            "echo 'uname -a' | vireo console tiny1",
            "vireo shutdown tiny1 --timeout 30",
            "VIREO_SOCKET=/tmp/vireod.sock vireo host check");
        root.Add(SocketOption);
        foreach (var group in TopLevelCommands())
        {
            if (only is null || group.Names.Contains(only))
            {
                foreach (var command in group.Create())
                    root.Add(command);
            }
        }
        if (root is RootCommand full)
            ManPageHelpAction.Install(full, Docs);
        return root;
    }

    /// <summary>
    /// Whether a token could invoke --help, --version or a [directive]: only then does a run need the full root.
    /// Any token counts, wherever it stands, so a run that has one parses exactly as it always did.
    /// </summary>
    internal static bool MayAskForHelp(string token) =>
        token is "-h" or "--help" or "-?" or "/?" or "/h" or "--version" || token.StartsWith('[');

    /// <summary>A factory of top-level commands and the names of the commands it makes (checked by a test).</summary>
    internal sealed record CommandGroup(string[] Names, Func<IEnumerable<Command>> Create);

    /// <summary>Every top-level command name (<see cref="TopLevelCommands"/>' names, without building any command).</summary>
    internal static readonly HashSet<string> TopLevelNames =
    [
        "list", "info", "create", "define", "import-libvirt", "dumpspec", "edit", "set", "undefine", "rename", "start", "shutdown", "destroy", "reboot", "reset",
        "suspend", "resume", "console", "logs", "ip", "vncdisplay", "attach-interface", "detach-interface", "domif-setlink", "net",
        "pool", "vol", "operation", "disk", "cdrom", "clone", "snapshot", "backup", "backups", "restore", "host", "version",
        "domstats", "top", "os", "image",
        "agent", "exec", "set-user-password",
        "token", "audit",
    ];

    /// <summary>The top-level commands, in the order --help lists them.</summary>
    internal IEnumerable<CommandGroup> TopLevelCommands()
    {
        yield return One("list", () => ListCommand.Create(this));
        yield return One("info", () => InfoCommand.Create(this));
        yield return One("create", () => CreateCommand.Create(this));
        yield return One("define", () => DefineCommand.Create(this));
        yield return One("import-libvirt", () => ImportLibvirtCommand.Create(this));
        yield return One("dumpspec", () => DefineCommand.CreateDumpSpec(this));
        yield return One("edit", () => EditCommands.Edit(this));
        yield return One("set", () => EditCommands.Set(this));
        yield return One("undefine", () => DefineCommand.CreateUndefine(this));
        yield return One("rename", () => RenameCommand.Create(this));
        yield return new(["start", "shutdown", "destroy", "reboot", "reset", "suspend", "resume"], () => LifecycleCommands.Create(this));
        yield return One("console", () => ConsoleCommand.Create(this));
        yield return One("logs", () => LogsCommand.Create(this));
        yield return One("ip", () => IpCommand.Create(this));
        yield return One("vncdisplay", () => VncDisplayCommand.Create(this));
        yield return One("attach-interface", () => InterfaceCommands.Attach(this));
        yield return One("detach-interface", () => InterfaceCommands.Detach(this));
        yield return One("domif-setlink", () => InterfaceCommands.SetLink(this));
        yield return One("net", () => NetCommand.Create(this));
        yield return One("pool", () => PoolCommand.Create(this));
        yield return One("vol", () => VolCommand.Create(this));
        yield return One("operation", () => OperationCommand.Create(this));
        yield return One("disk", () => DiskCommands.Create(this));
        yield return One("cdrom", () => CdromCommands.Create(this));
        yield return One("clone", () => CloneCommand.Create(this));
        yield return One("snapshot", () => SnapshotCommand.Create(this));
        yield return One("backup", () => BackupCommands.Backup(this));
        yield return One("backups", () => BackupCommands.List(this));
        yield return One("restore", () => BackupCommands.Restore(this));
        yield return One("domstats", () => DomstatsCommand.Create(this));
        yield return One("top", () => TopCommand.Create(this));
        yield return One("os", () => OsCommand.Create(this));
        yield return One("image", () => ImageCommand.Create(this));
        yield return One("agent", () => AgentCommands.Agent(this));
        yield return One("exec", () => AgentCommands.Exec(this));
        yield return One("set-user-password", () => AgentCommands.SetUserPassword(this));
        yield return One("token", () => TokenCommand.Create(this));
        yield return One("audit", () => AuditCommand.Create(this));
        yield return One("host", () => HostCommand.Create(this));
        yield return One("version", () => VersionCommand.Create(this));
    }

    private static CommandGroup One(string name, Func<Command> create) => new([name], () => [create()]);

    /// <summary>--socket, else $VIREO_SOCKET, else the default path.</summary>
    public string SocketPath(ParseResult parse)
    {
        string? path = parse.GetValue(SocketOption);
        if (string.IsNullOrWhiteSpace(path))
            path = Env.GetVariable(VireoClient.SocketEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
            path = VireoClient.DefaultSocketPath;
        return Path.GetFullPath(path, Env.CurrentDirectory);
    }

    /// <summary>
    /// Runs a command body with a client and turns every failure into its message on stderr and its exit code.
    /// <paramref name="hintFor"/> may add a line of advice for an API error code (e.g. busy → --force).
    /// </summary>
    public async Task<int> WithClientAsync(ParseResult parse, CancellationToken ct, Func<VireoClient, Task<int>> body,
        Func<string, string?>? hintFor = null)
    {
        // The command runs on the calling thread until its first real await: VireoClient's requests block (see
        // UnixSocketHttpHandler), and Ctrl-C reaches them through the token SignalCancellation cancels.
        try
        {
            using var client = new VireoClient(SocketPath(parse));
            return await body(client).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return ErrorPrinter.Report(Env, ex, ct, hintFor);
        }
    }

    /// <summary>Like <see cref="WithClientAsync"/> for commands that check their input before connecting.</summary>
    public async Task<int> GuardAsync(CancellationToken ct, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return ErrorPrinter.Report(Env, ex, ct, null);
        }
    }
}

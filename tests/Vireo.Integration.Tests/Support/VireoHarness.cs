using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Vireo.Client;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// A real vireod on a private state directory and socket, driven through the real CLI. Disposal ends every QEMU
/// this daemon started (found by PID through /proc, never by name), the daemon, and the directory — also when the
/// test failed.
/// </summary>
internal sealed class VireoHarness : IAsyncDisposable
{
    private readonly ITestOutputHelper? _output;
    private readonly StringBuilder _daemonLog = new();
    private Process? _daemon;
    private readonly bool _ownsNamespace;

    private VireoHarness(ITestOutputHelper? output, NetNamespace? ns)
    {
        _output = output;
        Id = Guid.NewGuid().ToString("N")[..8];
        // Short path: VM sockets live under it and Unix socket paths are limited to 107 bytes.
        StateDir = Path.Combine("/tmp", $"vit-{Id}");
        Directory.CreateDirectory(StateDir);
        Socket = Path.Combine(StateDir, "vireod.sock");
        Namespace = ns;
        _ownsNamespace = false;
    }

    private VireoHarness(ITestOutputHelper? output, NetNamespace ns, bool owns) : this(output, ns) => _ownsNamespace = owns;

    /// <summary>Short random id, also used for namespace and interface names.</summary>
    public string Id { get; }

    /// <summary>
    /// The network namespace vireod (and so its QEMUs, bridges, dnsmasq and nftables table) runs in: the tests
    /// never change the host's own networking.
    /// </summary>
    public NetNamespace? Namespace { get; }

    public string StateDir { get; }
    public string Socket { get; }
    public int? DaemonPid => _daemon is { HasExited: false } d ? d.Id : null;
    public string DaemonLog { get { lock (_daemonLog) return _daemonLog.ToString(); } }

    /// <param name="overTls">
    /// The remote mode (docs/remote-cli.md, "Tests"): vireod also listens with TLS on 127.0.0.1:<see cref="TlsPort"/>
    /// in its namespace, an admin token is made, the remote "h" is added with --accept-certificate, and every CLI run
    /// goes through it (VIREO_CONNECT + VIREO_TOKEN, no VIREO_SOCKET) from inside the namespace.
    /// </param>
    public static async Task<VireoHarness> StartAsync(ITestOutputHelper? output = null, bool startDaemon = true, NetNamespace? ns = null,
        bool overTls = false)
    {
        var harness = ns is not null
            ? new VireoHarness(output, ns)
            : new VireoHarness(output, await NetNamespace.CreateAsync($"vit-{Guid.NewGuid().ToString("N")[..8]}"), owns: true);
        harness.OverTls = overTls;
        if (startDaemon)
        {
            await harness.StartDaemonAsync();
            if (overTls)
                await harness.AddRemoteAsync();
        }
        return harness;
    }

    /// <summary>Whether the CLI runs against this daemon's TLS listener (see <see cref="StartAsync"/>).</summary>
    public bool OverTls { get; private set; }

    /// <summary>The TLS listener's port, on 127.0.0.1 inside <see cref="Namespace"/> (a fresh namespace: always free).</summary>
    public const int TlsPort = 8443;

    /// <summary>https://127.0.0.1:8443 (reachable from inside the namespace only).</summary>
    public static string TlsUrl => $"https://127.0.0.1:{TlsPort}";

    /// <summary>XDG_CONFIG_HOME of the CLI runs: the remotes file of this test alone.</summary>
    public string ConfigHome => Path.Combine(StateDir, "cli-config");

    /// <summary>The admin token the remote mode uses (made over the socket).</summary>
    public string? Token { get; private set; }


    /// <summary>Makes an admin token over the socket and adds the remote "h" with its certificate accepted.</summary>
    public async Task AddRemoteAsync()
    {
        var created = await RunCliAsync(null, false, new Dictionary<string, string>(), ["token", "create", "--role", "admin", "--description", "harness", "-o", "json"]);
        if (created.ExitCode != 0)
            throw new InvalidOperationException($"vireo token create failed: {created}");
        using var doc = System.Text.Json.JsonDocument.Parse(created.Stdout);
        Token = doc.RootElement.GetProperty("token").GetString();
        var added = await RunCliAsync(null, true, new Dictionary<string, string> { ["VIREO_CONNECT"] = "" },
            ["remote", "add", "h", TlsUrl, "--accept-certificate"]);
        if (added.ExitCode != 0)
            throw new InvalidOperationException($"vireo remote add failed: {added}\ndaemon:\n{DaemonLog}");
    }

    /// <summary>
    /// Runs the CLI: on the socket, or (<paramref name="remote"/>) inside the namespace against the remote "h" with
    /// the token from VIREO_TOKEN; <paramref name="env"/> adds or overrides variables (an empty value counts as
    /// unset for vireo).
    /// </summary>
    public Task<CommandResult> RunCliAsync(string? stdin, bool remote, IReadOnlyDictionary<string, string> env, string[] args,
        string[]? wrapper = null)
    {
        var vars = new Dictionary<string, string> { ["NO_COLOR"] = "1", ["XDG_CONFIG_HOME"] = ConfigHome, ["XDG_STATE_HOME"] = ConfigHome };
        if (remote)
        {
            vars["VIREO_CONNECT"] = "h";
            vars["VIREO_SOCKET"] = "";
            if (Token is not null)
                vars["VIREO_TOKEN"] = Token;
        }
        else
        {
            vars["VIREO_SOCKET"] = Socket;
            vars["VIREO_CONNECT"] = "";
        }
        foreach (var (key, value) in env)
            vars[key] = value;
        // wrapper: a command that runs vireo (e.g. timeout -s INT 20), as `ip netns exec` does.
        string[] command = [.. wrapper ?? [], "dotnet", Repo.CliDll, .. args];
        return remote
            ? ProcessRunner.RunAsync("ip", ["netns", "exec", Namespace!.Name, .. command], stdin, vars)
            : ProcessRunner.RunAsync(command[0], command[1..], stdin, vars);
    }

    public VireoClient Client() => new(Socket);

    /// <summary>
    /// A vireod in the host's own network namespace (so that this process can reach its TCP listener on loopback),
    /// started with <paramref name="daemonArgs"/> and --no-default-network: it must not change the host's networking,
    /// so tests on it create no networks and start no VM with a NIC.
    /// </summary>
    public static async Task<VireoHarness> StartInHostNamespaceAsync(ITestOutputHelper? output, params string[] daemonArgs)
    {
        var harness = new VireoHarness(output, null);
        harness.DaemonArguments.AddRange(["--no-default-network", .. daemonArgs]);
        await harness.StartDaemonAsync();
        return harness;
    }

    /// <summary>Extra vireod arguments (applied at each <see cref="StartDaemonAsync"/>).</summary>
    public List<string> DaemonArguments { get; } = [];

    /// <summary>Extra environment for vireod (applied at each <see cref="StartDaemonAsync"/>), e.g. VIREO_FIRMWARE_DIRS.</summary>
    public Dictionary<string, string> DaemonEnvironment { get; } = new(StringComparer.Ordinal);

    public async Task StartDaemonAsync()
    {
        // ip netns exec execs vireod in place, so the PID we hold is vireod's own.
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // Where systemd starts it: the unit sets no WorkingDirectory.
            WorkingDirectory = "/",
        };
        string[] prefix = Namespace is null ? ["dotnet"] : ["netns", "exec", Namespace.Name, "dotnet"];
        if (Namespace is null)
            start.FileName = "dotnet";
        foreach (var arg in prefix.Skip(Namespace is null ? 1 : 0).Concat([Repo.DaemonDll, "--state-dir", StateDir, "--socket", Socket, "--image-dir", Repo.ImageDir, "--no-register-images", .. DaemonArguments]))
            start.ArgumentList.Add(arg);
        if (OverTls)
        {
            start.ArgumentList.Add("--listen");
            start.ArgumentList.Add($"127.0.0.1:{TlsPort}");
        }
        foreach (var (key, value) in DaemonEnvironment)
            start.Environment[key] = value;
        // This machine's /etc/vireo/vireod.conf (a listener) is not the test's.
        start.Environment.TryAdd("VIREO_CONFIG", "/dev/null");
        var daemon = Process.Start(start)!;
        daemon.OutputDataReceived += (_, e) => Log(e.Data);
        daemon.ErrorDataReceived += (_, e) => Log(e.Data);
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        _daemon = daemon;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (daemon.HasExited)
                throw new InvalidOperationException($"vireod exited with {daemon.ExitCode}:\n{DaemonLog}");
            if (await CanConnectAsync())
                return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"vireod did not open {Socket} within 60 s:\n{DaemonLog}");
    }

    private void Log(string? line)
    {
        if (line is null)
            return;
        lock (_daemonLog)
            _daemonLog.AppendLine(line);
    }

    private async Task<bool> CanConnectAsync()
    {
        if (!File.Exists(Socket))
            return false;
        using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>kill -9 of vireod: no clean-up runs in the daemon.</summary>
    public async Task KillDaemonAsync()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon");
        Signal(daemon.Id, UnixSignal.Kill);
        await daemon.WaitForExitAsync();
        _daemon = null;
    }

    /// <summary>A clean stop (SIGTERM), as systemctl stop does.</summary>
    public async Task StopDaemonAsync()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("no daemon");
        Signal(daemon.Id, UnixSignal.Term);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await daemon.WaitForExitAsync(cts.Token);
        _daemon = null;
    }

    /// <summary>Runs the CLI against this daemon: VIREO_SOCKET, or in the remote mode VIREO_CONNECT + VIREO_TOKEN over TLS.</summary>
    public Task<CommandResult> Vireo(params string[] args) => VireoWithInput(null, args);

    public Task<CommandResult> VireoWithInput(string? stdin, params string[] args) =>
        RunCliAsync(stdin, OverTls, new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI with extra environment variables (EDITOR for vireo edit).</summary>
    public Task<CommandResult> VireoWithEnv(IReadOnlyDictionary<string, string> env, params string[] args) =>
        RunCliAsync(null, OverTls, env, args);

    /// <summary>Runs the CLI and fails the test unless it exits 0.</summary>
    public async Task<CommandResult> VireoOk(params string[] args)
    {
        var result = await Vireo(args);
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"vireo {string.Join(' ', args)} failed: {result}");
        return result;
    }

    /// <summary>Live (non-zombie) QEMU processes started for this state directory.</summary>
    public IReadOnlyList<int> QemuPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            var argv = LinuxProcess.TryReadCmdline(pid) ?? [];
            if (argv.Count == 0 || !Path.GetFileName(argv[0]).StartsWith("qemu-system", StringComparison.Ordinal))
                continue;
            if (!argv.Any(a => a.Contains(StateDir, StringComparison.Ordinal)))
                continue;
            if (LinuxProcess.TryReadStat(pid) is { HasExited: false })
                pids.Add(pid);
        }
        return pids;
    }

    /// <summary>Creates a VM from the tiny image and starts it; waits for VIREO-GUEST-READY.</summary>
    public async Task StartTinyAsync(string name, params string[] extraCreateArgs)
    {
        TinyImage.EnsureBuilt();
        await VireoOk(["create", "--name", name, "--image", "tiny", "--memory", "128", .. extraCreateArgs]);
        await VireoOk("start", name);
        await WaitForSerialAsync(name, "VIREO-GUEST-READY");
    }

    /// <summary>Waits until the VM's serial log has had <paramref name="text"/> <paramref name="times"/> times.</summary>
    public async Task<string> WaitForSerialAsync(string name, string text, int times = 1, TimeSpan? timeout = null)
    {
        using var client = Client();
        var path = (await client.GetVmAsync(name)).SerialLog ?? throw new InvalidOperationException($"{name} has no serial log");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        string log = "";
        while (DateTime.UtcNow < deadline)
        {
            log = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
            if (Count(log, text) >= times)
                return log;
            await Task.Delay(200);
        }
        throw new TimeoutException($"\"{text}\" (x{times}) did not appear on the serial console of {name}; log:\n{log}\ndaemon:\n{DaemonLog}");
    }

    /// <summary>Signals a process we started, by PID, checked against its start time.</summary>
    public static bool Signal(int pid, UnixSignal signal) =>
        LinuxProcess.TryReadStat(pid) is { } stat && LinuxProcess.Signal(pid, stat.StartTime, signal);

    /// <summary>Polls <paramref name="condition"/> every 100 ms; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, int seconds = 30)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            if (condition())
                return;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"condition not met within {seconds} s");
    }

    public static int Count(string haystack, string needle)
    {
        var count = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in QemuPids())
            Signal(pid, UnixSignal.Kill);
        if (_daemon is { HasExited: false } daemon)
        {
            Signal(daemon.Id, UnixSignal.Kill);
            await daemon.WaitForExitAsync();
        }
        _output?.WriteLine("--- vireod log ---\n" + DaemonLog);
        for (var i = 0; i < 50 && QemuPids().Count > 0; i++)
            await Task.Delay(100);
        if (_ownsNamespace && Namespace is not null)
            await Namespace.DisposeAsync();
        try
        {
            Directory.Delete(StateDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

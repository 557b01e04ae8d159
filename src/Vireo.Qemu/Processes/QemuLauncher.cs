using System.Diagnostics;

namespace Vireo.Qemu;

/// <summary>Starts QEMU detached from vireod (its own session, reparented away) and returns a verified handle to it.</summary>
public static class QemuLauncher
{
    /// <summary>
    /// Runs <paramref name="emulatorPath"/> with <paramref name="argv"/> (which must contain
    /// <c>-pidfile <paramref name="pidFilePath"/></c>, <c>-uuid</c> and the QMP monitor, and not <c>-daemonize</c>,
    /// as <see cref="QemuCommandLine.Build"/> produces) as vireod's own user; see the overload with options.
    /// Returns once QEMU is initialised; the real QEMU is a grandchild reparented away, in its own session.
    /// </summary>
    /// <exception cref="QemuLaunchException">QEMU could not start (the message holds QEMU's error text), or a
    /// QEMU with the same uuid already runs from this pidfile.
    /// No QEMU process and no pidfile of ours are left behind.</exception>
    public static Task<QemuProcessHandle> LaunchAsync(
        string emulatorPath, IReadOnlyList<string> argv, string pidFilePath, CancellationToken ct) =>
        LaunchAsync(emulatorPath, argv, pidFilePath, null, ct);

    /// <summary>
    /// Starts QEMU in the foreground mode libvirt uses (no <c>-daemonize</c>, so that its seccomp filter can deny
    /// fork and setsid): <c>setsid --fork</c> puts it in a session of its own and lets it be reparented away from
    /// vireod at once, and <c>setpriv</c> (both util-linux) gives it the VM's uid and gid, no supplementary groups
    /// beyond <see cref="QemuLaunchOptions.Groups"/>, an empty capability bounding set and no_new_privs, before
    /// QEMU runs its first instruction: it opens every file as that user. stdout and stderr go to
    /// <see cref="QemuLaunchOptions.LogPath"/>. QEMU is initialised when its monitor sends the QMP greeting; a
    /// pipe whose write end only QEMU holds tells when it exited before that (the error is read from its log).
    /// </summary>
    public static async Task<QemuProcessHandle> LaunchAsync(
        string emulatorPath, IReadOnlyList<string> argv, string pidFilePath, QemuLaunchOptions? options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Contains("-daemonize")) throw new ArgumentException("argv must not contain -daemonize: QEMU is started in the foreground of its own session.", nameof(argv));
        var uuid = QemuProcessHandle.UuidFromArgv(argv)
            ?? throw new ArgumentException("argv must contain -uuid: it is how QEMU is recognised later.", nameof(argv));
        var qmpSocket = options?.QmpSocketPath ?? QmpSocketFromArgv(argv)
            ?? throw new ArgumentException("argv must contain the QMP monitor chardev: it is how readiness is seen.", nameof(argv));
        var logPath = options?.LogPath ?? Path.ChangeExtension(pidFilePath, ".log");

        if (QemuProcessHandle.TryAttach(pidFilePath, uuid) is { } running)
        {
            throw new QemuLaunchException($"A QEMU with uuid {uuid} is already running as pid {running.Pid}.", null, "");
        }
        if (Path.IsPathRooted(emulatorPath) && !File.Exists(emulatorPath))
            throw new QemuLaunchException($"Cannot run '{emulatorPath}': No such file or directory", null, "");

        List<string> command = [Setsid, "--fork"];
        if (options?.Uid is { } uid)
        {
            var gid = options.Gid ?? throw new ArgumentException("Gid is required with Uid.", nameof(options));
            command.AddRange([Setpriv, $"--reuid={uid}", $"--regid={gid}"]);
            command.Add(options.Groups.Count == 0 ? "--clear-groups" : "--groups=" + string.Join(',', options.Groups));
            command.AddRange(["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]);
        }
        command.Add(emulatorPath);
        command.AddRange(argv);

        var clock = Stopwatch.StartNew();
        // The log keeps earlier starts for diagnosis, within bounds.
        if (new FileInfo(logPath) is { Exists: true, Length: > MaxLogBytes }) File.WriteAllText(logPath, "");
        var logFd = NativeSpawn.Open(logPath, 0x1 /* O_WRONLY */ | 0x40 /* O_CREAT */ | 0x400 /* O_APPEND */, 0x180 /* 0600 */);
        if (logFd < 0) throw new QemuLaunchException($"Cannot open QEMU's log '{logPath}': errno {-logFd}", null, "");
        var logStart = new FileInfo(logPath).Length;
        var (alive, aliveWrite) = NativeSpawn.Pipe();
        var dups = new List<int>();
        try
        {
            // Sources numbered above every target, so that no dup2 overwrites a source still to be duplicated.
            var inherit = new List<(int, int)>();
            foreach (var (source, target) in options?.InheritedFds ?? [])
            {
                var high = NativeSpawn.DupAbove(source, 1024);
                dups.Add(high);
                inherit.Add((high, target));
            }
            var aliveHigh = NativeSpawn.DupAbove(aliveWrite, 1024);
            dups.Add(aliveHigh);
            inherit.Add((aliveHigh, AliveFd));
            int spawned;
            try
            {
                spawned = NativeSpawn.Spawn(Setsid, command, ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"], logFd, inherit);
            }
            catch (IOException e)
            {
                throw new QemuLaunchException($"Cannot run '{emulatorPath}': {e.Message}", null, "", e);
            }
            // setsid --fork exits as soon as it has forked: QEMU is not our child.
            await Task.Run(() => NativeSpawn.Wait(spawned), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            foreach (var fd in dups) Native.Close(fd);
            Native.Close(aliveWrite);
            Native.Close(logFd);
        }

        try
        {
            await WaitUntilReadyAsync(alive, qmpSocket, pidFilePath, uuid, logPath, logStart, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillWhenFoundAsync(alive, pidFilePath, uuid).ConfigureAwait(false);
            throw;
        }
        finally
        {
            Native.Close(alive);
        }

        var pid = QemuProcessHandle.ReadPidFile(pidFilePath);
        var handle = pid is null ? null : QemuProcessHandle.TryAttach(pid.Value, uuid, pidFilePath);
        if (handle is null)
        {
            RemoveStalePidFile(pidFilePath);
            throw new QemuLaunchException(
                pid is null
                    ? $"QEMU reported success but wrote no valid pidfile at '{pidFilePath}'."
                    : $"QEMU (pid {pid}) exited right after starting, or is not the QEMU with uuid {uuid}.",
                0, ReadLog(logPath, logStart));
        }
        return handle.WithLaunchInfo(clock.Elapsed, ReadLog(logPath, logStart));
    }

    /// <summary>QEMU's log is emptied at a launch when it has grown past this.</summary>
    public const long MaxLogBytes = 1024 * 1024;

    /// <summary>The descriptor number under which QEMU inherits the write end of the liveness pipe (it never uses it).</summary>
    public const int AliveFd = 3;

    /// <summary>util-linux setsid: a new session, and with --fork a process that is not vireod's child.</summary>
    public const string Setsid = "/usr/bin/setsid";

    /// <summary>util-linux setpriv: uid, gid, groups, capabilities and no_new_privs set before exec.</summary>
    public const string Setpriv = "/usr/bin/setpriv";

    private static async Task WaitUntilReadyAsync(int alive, string qmpSocket, string pidFilePath, Guid uuid, string logPath, long logStart, CancellationToken ct)
    {
        System.Net.Sockets.Socket? socket = null;
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if ((NativeSpawn.PollNow(alive) & (NativeSpawn.POLLHUP | NativeSpawn.POLLIN)) != 0)
                {
                    // The pipe closes as QEMU's descriptors do, a moment before the process is gone.
                    for (var i = 0; i < 250 && QemuProcessHandle.TryAttach(pidFilePath, uuid) is { IsAlive: true }; i++)
                        await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
                    RemoveStalePidFile(pidFilePath);
                    var errorText = ReadLog(logPath, logStart);
                    // QEMU is not our child, so its exit status is not ours to collect: 1 stands for "it exited".
                    throw new QemuLaunchException(
                        $"QEMU failed to start: {(errorText.Length > 0 ? errorText : "it exited with no error output")}", 1, errorText);
                }
                if (socket is null && File.Exists(qmpSocket))
                {
                    var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                    try
                    {
                        s.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(qmpSocket));
                        socket = s;
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        s.Dispose();
                    }
                }
                // The greeting is sent once QEMU's main loop runs: machine, devices and disks are set up by then.
                if (socket is not null && socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead))
                {
                    // A reset (the socket file was a killed QEMU's, or QEMU dropped the connection while it set up)
                    // is no answer: connect again; a QEMU that exited is caught by its pipe above.
                    int n;
                    try
                    {
                        n = socket.Receive(buffer);
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        n = 0;
                    }
                    if (n > 0 && QemuProcessHandle.TryAttach(pidFilePath, uuid) is not null) return;
                    socket.Dispose();
                    socket = null;
                }
                await Task.Delay(20, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            socket?.Dispose();
        }
    }

    /// <summary>
    /// After a cancelled launch: kills every process that holds the write end of the liveness pipe (QEMU inherits it
    /// as descriptor <see cref="AliveFd"/>; so does the forked setsid before its exec), until the pipe closes. Neither
    /// the pidfile nor the uuid is needed: a QEMU slow to write its pidfile (a loaded host, a frozen process) is found
    /// all the same, so a cancelled start never leaves one running.
    /// </summary>
    private static async Task KillWhenFoundAsync(int alive, string pidFilePath, Guid uuid)
    {
        var pipe = new FileInfo($"/proc/self/fd/{alive}").LinkTarget;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && (NativeSpawn.PollNow(alive) & (NativeSpawn.POLLHUP | NativeSpawn.POLLIN)) == 0)
        {
            if (QemuProcessHandle.TryAttach(pidFilePath, uuid) is { } qemu)
                qemu.Kill(UnixSignal.Kill);
            if (pipe is not null)
                foreach (var pid in HoldersOf(pipe))
                    Native.Kill(pid, (int)UnixSignal.Kill);
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
        RemoveStalePidFile(pidFilePath);
    }

    /// <summary>The processes whose descriptor <see cref="AliveFd"/> is <paramref name="pipe"/> ("pipe:[INODE]").</summary>
    private static IEnumerable<int> HoldersOf(string pipe)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
                continue;
            string? target;
            try
            {
                target = new FileInfo($"{dir}/fd/{AliveFd}").LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (target == pipe)
                yield return pid;
        }
    }

    private static string ReadLog(string path, long from)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (f.Length <= from) return "";
            f.Seek(from, SeekOrigin.Begin);
            using var r = new StreamReader(f);
            var text = r.ReadToEnd();
            return (text.Length > 8192 ? text[^8192..] : text).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The path of the QMP monitor chardev (<see cref="QemuCommandLine.QmpChardevId"/>) in argv.</summary>
    internal static string? QmpSocketFromArgv(IReadOnlyList<string> argv)
    {
        var prefix = $"socket,id={QemuCommandLine.QmpChardevId},path=";
        var arg = argv.FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal));
        if (arg is null) return null;
        var sb = new System.Text.StringBuilder();
        for (var i = prefix.Length; i < arg.Length; i++)
        {
            if (arg[i] == ',')
            {
                if (i + 1 < arg.Length && arg[i + 1] == ',') { sb.Append(','); i++; continue; }
                break;
            }
            sb.Append(arg[i]);
        }
        return sb.ToString();
    }

    private static void KillDaemonIfOurs(string pidFilePath, Guid uuid)
    {
        if (QemuProcessHandle.TryAttach(pidFilePath, uuid) is { } daemon)
        {
            daemon.Kill(UnixSignal.Kill);
        }
        RemoveStalePidFile(pidFilePath);
    }

    // Only a pidfile whose process is gone is ours to remove. A live owner (the first QEMU, when a second one
    // failed on QEMU's pidfile lock) keeps it, whatever VM it is.
    private static void RemoveStalePidFile(string pidFilePath)
    {
        if (!File.Exists(pidFilePath)) return;
        if (QemuProcessHandle.ReadPidFile(pidFilePath) is { } pid && LinuxProcess.TryReadStat(pid) is { HasExited: false }) return;
        try { File.Delete(pidFilePath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

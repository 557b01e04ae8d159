using System.CommandLine;
using System.Globalization;
using System.Text;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Cli.Terminal;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>
/// The QEMU guest agent: <c>vireo agent ping|info</c>, <c>vireo exec</c>, <c>vireo set-user-password</c>
/// (docs/guest-agent.md).
/// </summary>
internal static class AgentCommands
{
    /// <summary>Exit status of <c>vireo exec</c> when the command ran past --timeout (as timeout(1)).</summary>
    public const int ExecTimedOut = 124;

    /// <summary>Exit status of <c>vireo exec</c> when the guest could not start the command (as a shell's).</summary>
    public const int ExecNotStarted = 127;

    public static Command Agent(CliApp app)
    {
        var agent = app.Docs.Create("agent", "Talk to the QEMU guest agent in a VM",
            """
            Every VM has a virtio-serial channel named org.qemu.guest_agent.0; a guest with qemu-guest-agent
            installed answers on it. Through it vireod runs commands in the guest (vireo exec), shuts it down
            (vireo shutdown --mode agent), sets passwords (vireo set-user-password), reads its addresses (vireo ip)
            and freezes its file systems around disk-only snapshots. The agent runs inside the guest and is not
            trusted: answers are size-capped and every call has a timeout. docs/guest-agent.md has the details.
            """,
            "vireo agent ping web1",
            "vireo agent info web1");
        agent.Add(Ping(app));
        agent.Add(Info(app));
        return agent;
    }

    private static Command Ping(CliApp app)
    {
        var name = VmArgument.Create();
        var timeout = Opt.Seconds("--timeout", "Seconds to wait for the answer, 1 to 300 (default 5)", 1, 300);
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("ping", "Check whether a VM's guest agent answers",
            """
            Connects to the guest agent, synchronises (guest-sync-delimited) and sends guest-ping. Prints how long
            the answer took, or why there was none: no agent installed or running in the guest, a guest still
            booting (under TCG the agent of a Debian guest answers about a minute after start), or an agent that
            sent something invalid. Exit status 1 when it does not answer.
            With -o json: the API's AgentPingResult.
            """,
            "vireo agent ping web1",
            "until vireo agent ping web1 --timeout 2 >/dev/null; do sleep 2; done");
        command.Add(name);
        command.Add(timeout);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var result = await client.AgentPingAsync(parse.GetValue(name)!, parse.GetValue(timeout), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.AgentPingResult);
            else if (result.Answered)
                app.Env.Out.WriteLine($"The guest agent of VM '{result.Name}' answered in {Ms(result.Milliseconds)}.");
            else
                app.Env.Error.WriteLine($"error: the guest agent of VM '{result.Name}' is not answering (gave up after {Ms(result.Milliseconds)}): {result.Detail}");
            return result.Answered ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static Command Info(CliApp app)
    {
        var name = VmArgument.Create();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show what a VM's guest agent says about itself and the guest",
            """
            The agent's version, the guest's OS (from its os-release), kernel and host name, and the commands the
            agent has enabled. Everything here comes from inside the guest: it is what the guest says, not a fact
            checked by the host. With -o json: the API's AgentInfo.
            """,
            "vireo agent info web1",
            "vireo agent info web1 -o json | jq -r .hostname");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var info = await client.AgentInfoAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.AgentInfo);
                return ExitCodes.Ok;
            }
            var o = app.Env.Out;
            o.WriteLine($"Agent version: {info.Version}");
            o.WriteLine($"OS:            {info.Os ?? "-"}");
            o.WriteLine($"OS id:         {(info.OsId is null ? "-" : info.OsId + (info.OsVersion is null ? "" : " " + info.OsVersion))}");
            o.WriteLine($"Kernel:        {info.Kernel ?? "-"}");
            o.WriteLine($"Hostname:      {info.Hostname ?? "-"}");
            o.WriteLine($"Commands:      {info.Commands.Count} enabled");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Exec(CliApp app)
    {
        var name = VmArgument.Create();
        var words = Arg.Words("COMMAND", "The program to run in the guest and its arguments (no shell: use sh -c '...' for one)");
        var timeout = Opt.Seconds("--timeout", "Seconds the command may run before it is killed, 1 to 86400 (default 60)", 1, 86400);
        var input = Opt.Path("--input", "A file whose bytes become the command's standard input (at most 1 MiB), or - for vireo's stdin", "FILE");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("exec", "Run a command in a VM through its guest agent",
            """
            Runs COMMAND in the guest with the guest agent (guest-exec), waits for it, and prints its standard
            output and standard error as they are, on vireo's stdout and stderr. There is no shell: COMMAND is a
            program (looked up in the agent's PATH) and its arguments; write `sh -c '...'` for pipes and globs. Put
            `--` before COMMAND when it has options of its own. Output is kept up to 1 MiB per stream; more is cut
            and a note says so on stderr.

            The exit status is the guest command's own (0 to 255), so scripts can test it as if it ran locally,
            except: 124 when it ran past --timeout (then vireod kills it in the guest, SIGKILL through the agent),
            127 when the guest could not start it (no such program), and 128+N when a signal N ended it. When
            vireo itself fails (no such VM, the agent does not answer) it prints "error:" on stderr and exits with
            its usual codes, listed below; they can collide with a command's own, so tell them apart by that line.
            With -o json: {exit_code, signal, stdout, stderr, truncated, timed_out, killed, error}, output as UTF-8
            text, and the same exit status.
            """,
            "vireo exec web1 -- cat /etc/os-release",
            "vireo exec web1 --timeout 600 -- apt-get -y install nginx",
            "vireo exec web1 -- sh -c 'systemctl is-active nginx || journalctl -u nginx -n 20'",
            "vireo exec web1 --input site.conf -- tee /etc/nginx/conf.d/site.conf");
        command.Add(name);
        command.Add(words);
        command.Add(timeout);
        command.Add(input);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var argv = parse.GetValue(words)!;
            byte[]? stdin = null;
            if (parse.GetValue(input) is { } path)
                stdin = await ReadInputAsync(app.Env, path, ct).ConfigureAwait(false);
            var result = await client.ExecAsync(parse.GetValue(name)!, new ExecRequest
            {
                Path = argv[0],
                Args = argv[1..],
                Input = stdin,
                TimeoutSeconds = parse.GetValue(timeout),
            }, ct).ConfigureAwait(false);
            var code = ExitStatusOf(result);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, new ExecReport
                {
                    ExitCode = result.ExitCode,
                    Signal = result.Signal,
                    Stdout = Encoding.UTF8.GetString(result.Stdout),
                    Stderr = Encoding.UTF8.GetString(result.Stderr),
                    Truncated = result.Truncated,
                    TimedOut = result.TimedOut,
                    Killed = result.Killed,
                    Error = result.Error,
                }, CliJsonContext.Default.ExecReport);
                return code;
            }
            await app.Env.Out.FlushAsync(ct).ConfigureAwait(false);
            await app.Env.Stdout.WriteAsync(result.Stdout, ct).ConfigureAwait(false);
            await app.Env.Stdout.FlushAsync(ct).ConfigureAwait(false);
            await app.Env.Error.FlushAsync(ct).ConfigureAwait(false);
            var err = app.Env.Error;
            if (result.Stderr.Length > 0)
                err.Write(Encoding.UTF8.GetString(result.Stderr));
            if (result.Truncated)
                err.WriteLine("vireo: note: the output was cut (more than 1 MiB, or more than the agent keeps)");
            if (!result.Started)
                err.WriteLine($"error: the guest could not run '{argv[0]}': {result.Error}");
            else if (result.TimedOut)
                err.WriteLine($"error: '{argv[0]}' ran past its timeout; " + (result.Killed == true ? "it was killed in the guest" : $"killing it failed: {result.Error}"));
            return code;
        }));
        return command;
    }

    /// <summary>The exit status of <c>vireo exec</c> for a result (see its --help).</summary>
    internal static int ExitStatusOf(ExecResult r) =>
        !r.Started ? ExecNotStarted
        : r.TimedOut ? ExecTimedOut
        : r.Signal is { } signal ? 128 + Math.Clamp(signal, 0, 127)
        : Math.Clamp(r.ExitCode ?? 1, 0, 255);

    private static async Task<byte[]> ReadInputAsync(CliEnvironment env, string path, CancellationToken ct)
    {
        const int max = 1024 * 1024;
        Stream stream;
        try
        {
            stream = path == "-" ? env.Stdin : File.OpenRead(System.IO.Path.Combine(env.CurrentDirectory, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--input \"{path}\" cannot be read: {FileErrors.Why(e, path)}");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > max)
                    throw new CliUsageException($"--input \"{path}\" is larger than 1 MiB; copy big files into the guest another way (scp)");
                buffer.Write(chunk, 0, n);
            }
        }
        finally
        {
            if (path != "-") await stream.DisposeAsync().ConfigureAwait(false);
        }
        return buffer.ToArray();
    }

    public static Command SetUserPassword(CliApp app)
    {
        var name = VmArgument.Create();
        var user = Arg.Name("USER", "An existing user in the guest");
        var fromStdin = Opt.Flag("--password-stdin", "Read the password from the first line of stdin instead of asking on the terminal");
        var command = app.Docs.Create("set-user-password", "Set a guest user's password through the guest agent",
            """
            Sets USER's password in the guest with the guest agent (guest-set-user-password; the agent hashes it
            in the guest with chpasswd). The password is asked twice on the terminal without echo, or read from the
            first line of stdin with --password-stdin; it is never put on the command line, stored or logged by
            Vireo. The user must exist in the guest.
            """,
            "vireo set-user-password web1 ops",
            "printf '%s\\n' \"$PASSWORD\" | vireo set-user-password web1 ops --password-stdin");
        command.Add(name);
        command.Add(user);
        command.Add(fromStdin);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            string password;
            if (parse.GetValue(fromStdin))
            {
                using var reader = new StreamReader(app.Env.Stdin, Encoding.UTF8, leaveOpen: true);
                password = (await reader.ReadLineAsync(ct).ConfigureAwait(false)) ?? "";
            }
            else
            {
                if (!app.Env.StdinIsTerminal)
                    throw new CliUsageException("stdin is not a terminal, so the password cannot be asked for; pipe it in with --password-stdin");
                password = PasswordPrompt.Read(app.Env, "New password: ", ct);
                var again = PasswordPrompt.Read(app.Env, "Retype new password: ", ct);
                if (password != again)
                    throw new CliUsageException("the two passwords differ; nothing was changed");
            }
            // An empty password is refused by vireod, with the field named.
            var result = await client.SetUserPasswordAsync(parse.GetValue(name)!, new SetUserPasswordRequest
            {
                User = parse.GetValue(user)!,
                Password = password,
            }, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"VM '{result.Name}': {result.Message}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Ms(double ms) => ms < 1000
        ? ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms"
        : (ms / 1000).ToString("0.0#", CultureInfo.InvariantCulture) + " s";
}

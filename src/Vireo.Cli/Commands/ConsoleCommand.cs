using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Terminal;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo console NAME [--force] [--idle SECONDS]</c>.</summary>
internal static class ConsoleCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var force = Opt.Flag("--force", "Take the console over from another attached client (it is disconnected)");
        var idle = Opt.FractionalSeconds("--idle",
            "When stdin is not a terminal: after stdin ends, exit once the guest has been quiet this long (0 to 86400)", 0, 86400, 2.0);
        var command = app.Docs.Create("console", "Attach to a VM's serial console",
            """
            On a terminal: like `virsh console`. The terminal goes into raw mode, so every key (Ctrl-C included)
            goes to the guest; Ctrl+] detaches and restores the terminal. The console stays attached only while the
            VM runs; one client at a time (--force takes it over).
            When stdin is not a terminal: stdin is sent to the guest and everything the guest sends is printed on
            stdout; once stdin has ended and the guest has printed nothing for --idle seconds, vireo exits 0. This
            makes the serial console scriptable.
            A VM that is not running is refused with exit status 4; so is a console someone else holds.
            Everything the guest prints is also kept in its serial log (`vireo logs`).
            """,
            "vireo console web1",
            "echo 'uname -a' | vireo console web1",
            "printf 'ip addr\\n' | vireo console web1 --idle 5 > addr.txt",
            "vireo console web1 --force");
        command.Add(name);
        command.Add(force);
        command.Add(idle);
        command.SetAction((parse, ct) =>
        {
            string vm = parse.GetValue(name)!;
            // vireod's hint says what to do (vireo console VM --force, vireo start VM).
            return app.WithClientAsync(parse, ct,
                client => AttachAsync(app, client, vm, parse.GetValue(force), TimeSpan.FromSeconds(parse.GetValue(idle)), ct));
        });
        return command;
    }

    /// <summary>
    /// Attaches to <paramref name="vm"/>'s console until Ctrl+] (terminal) or until stdin has ended and the guest
    /// has been quiet for <paramref name="idle"/> (pipe); also what <c>vireo start --console</c> runs.
    /// </summary>
    internal static async Task<int> AttachAsync(CliApp app, VireoClient client, string vm, bool force, TimeSpan idle, CancellationToken ct)
    {
        using var socket = await client.OpenConsoleAsync(vm, force, ct).ConfigureAwait(false);
        var env = app.Env;
        RelayEnd end;
        if (env.StdinIsTerminal)
        {
            env.Out.Write($"Connected to {vm} (escape character is ^])\n");
            env.Out.Flush();
            using (RawTerminalMode.Enter())
                end = await ConsoleRelay.RunInteractiveAsync(socket, env.Stdin, env.Stdout, ct).ConfigureAwait(false);
            env.Out.WriteLine();
        }
        else
        {
            end = await ConsoleRelay.RunPipedAsync(socket, env.Stdin, env.Stdout, idle, ct).ConfigureAwait(false);
        }
        if (end == RelayEnd.RemoteClosed)
        {
            string why = string.IsNullOrWhiteSpace(socket.CloseStatusDescription) ? "" : $": {socket.CloseStatusDescription}";
            env.Error.WriteLine($"Console of {vm} closed by vireod{why}");
        }
        await ConsoleRelay.CloseAsync(socket, end == RelayEnd.Detached ? "detached" : "done").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}

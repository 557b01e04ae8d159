using System.CommandLine;
using Vireo.Cli.Terminal;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo console NAME [--force] [--idle SECONDS]</c>.</summary>
internal static class ConsoleCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var force = new Option<bool>("--force") { Description = "Take the console over from another attached client (it is disconnected)" };
        var idle = new Option<double>("--idle")
        {
            Description = "When stdin is not a terminal: after stdin ends, exit once the guest has been quiet this long",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 2.0,
        };
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
        command.Validators.Add(result =>
        {
            if (result.GetValue(idle) is < 0 or > 86400)
                result.AddError("--idle must be between 0 and 86400 seconds");
        });
        command.SetAction((parse, ct) =>
        {
            string vm = parse.GetValue(name)!;
            return app.WithClientAsync(parse, ct, async client =>
            {
                using var socket = await client.OpenConsoleAsync(vm, parse.GetValue(force), ct).ConfigureAwait(false);
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
                    end = await ConsoleRelay.RunPipedAsync(socket, env.Stdin, env.Stdout,
                        TimeSpan.FromSeconds(parse.GetValue(idle)), ct).ConfigureAwait(false);
                }
                if (end == RelayEnd.RemoteClosed)
                {
                    string why = string.IsNullOrWhiteSpace(socket.CloseStatusDescription) ? "" : $": {socket.CloseStatusDescription}";
                    env.Error.WriteLine($"Console of {vm} closed by vireod{why}");
                }
                await ConsoleRelay.CloseAsync(socket, end == RelayEnd.Detached ? "detached" : "done").ConfigureAwait(false);
                return ExitCodes.Ok;
            }); // vireod's hint says what to do (vireo console VM --force, vireo start VM)
        });
        return command;
    }
}

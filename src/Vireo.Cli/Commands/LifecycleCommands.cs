using System.CommandLine;
using Vireo.Cli.Create;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo start|shutdown|destroy|reboot|reset|suspend|resume NAME</c>.</summary>
internal static class LifecycleCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        yield return Start(app);
        yield return Shutdown(app);
        yield return Simple(app, "destroy", "Stop a VM at once (pull the plug)", "destroyed",
            """
            Ends the QEMU process immediately, like `virsh destroy`: the guest gets no chance to flush its disks.
            The definition is kept; use `vireo undefine` to remove it.
            """,
            (c, n, ct) => c.DestroyAsync(n, ct), "vireo destroy web1");
        yield return Simple(app, "reboot", "Ask the guest to reboot", "rebooted",
            "Sends the guest an ACPI reboot request, like `virsh reboot`; the guest decides how to honour it."
            + "\n" + AsyncDetails,
            (c, n, ct) => c.RebootAsync(n, ct), "vireo reboot web1", "vireo reboot web1 --async");
        yield return Simple(app, "reset", "Hard-reset a VM (press the reset button)", "reset",
            "Resets the virtual machine at once, like `virsh reset`: no guest shutdown, disks are not flushed.",
            (c, n, ct) => c.ResetAsync(n, ct), "vireo reset web1");
        yield return Simple(app, "suspend", "Pause a VM's vCPUs", "suspended",
            "Stops the guest's vCPUs; its memory stays in the QEMU process. `vireo resume` continues it.",
            (c, n, ct) => c.SuspendAsync(n, ct), "vireo suspend web1");
        yield return Simple(app, "resume", "Resume a paused VM", "resumed",
            "Continues a VM paused by `vireo suspend`.",
            (c, n, ct) => c.ResumeAsync(n, ct), "vireo resume web1");
    }

    private static Command Simple(CliApp app, string verb, string summary, string done, string details,
        Func<VireoClient, string, CancellationToken, Task<ActionResult>> call, params string[] examples)
    {
        var name = VmArgument.Create();
        var command = app.Docs.Create(verb, summary, details, examples);
        command.Add(name);
        var async = verb == "reboot" ? AsyncOption() : null;
        var output = verb == "reboot" ? OutputFormat.CreateOption() : null;
        if (async is not null)
        {
            command.Add(async);
            command.Add(output!);
        }
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = parse.GetValue(name)!;
            var json = output is not null && parse.GetValue(output) == OutputFormat.Json;
            if (async is not null && parse.GetValue(async))
                return OperationCommand.Started(app, await client.StartActionOperationAsync(vm, verb, null, ct).ConfigureAwait(false), json);
            var result = await call(client, vm, ct).ConfigureAwait(false);
            Print(app, result, done, json);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Start(CliApp app)
    {
        var name = Arg.OptionalName("NAME", "The VM's name [default: the VM your last `vireo create` made on this vireod]");
        var console = Opt.Flag("--console", "Attach to the serial console once the VM runs, as vireo console does");
        var command = app.Docs.Create("start", "Start a defined VM",
            """
            Launches QEMU for the VM and waits until the guest is running. Without KVM (see `vireo host check`) the
            VM runs under TCG software emulation, much slower.
            With --console, like `virsh start --console`, it then attaches to the serial console exactly as
            `vireo console NAME` does: on a terminal until Ctrl+], with stdin piped until stdin has ended and the
            guest has been quiet for 2 seconds. What the guest printed before the console attached is in
            `vireo logs NAME`. A VM that does not start is not attached to; a console held by another client is
            refused with exit status 4, the VM running.
            Without NAME it starts the VM that this account's last `vireo create` made on the same vireod (recorded
            in $XDG_STATE_HOME/vireo/last-created, default ~/.local/state/vireo/last-created), and says which:
            `vireo create --image tiny && vireo start`.
            """ + "\n" + AsyncDetails,
            "vireo start web1",
            "vireo create --image tiny && vireo start",
            "vireo start web1 --console",
            "vireo start web1 && vireo console web1",
            "vireo start web1 --async --output json");
        var async = AsyncOption();
        var output = OutputFormat.CreateOption();
        command.Add(name);
        command.Add(console);
        command.Add(async);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            string vm = parse.GetValue(name) ?? LastVm(app, parse);
            var json = parse.GetValue(output) == OutputFormat.Json;
            if (parse.GetValue(async))
            {
                if (parse.GetValue(console))
                    throw new CliUsageException("--console waits for the VM to run; it cannot be combined with --async. Remove one of them.");
                return OperationCommand.Started(app, await client.StartActionOperationAsync(vm, "start", null, ct).ConfigureAwait(false), json);
            }
            var result = await client.StartAsync(vm, ct).ConfigureAwait(false);
            Print(app, result, "started", json && !parse.GetValue(console));
            if (!parse.GetValue(console))
                return ExitCodes.Ok;
            return await ConsoleCommand.AttachAsync(app, client, vm, force: false, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary><c>vireo start</c> without NAME: the VM this account created last on this vireod.</summary>
    private static string LastVm(CliApp app, ParseResult parse)
    {
        var vm = LastCreated.Recall(app, parse)
                 ?? throw new CliUsageException($"NAME: no VM named, and this account has not created one on {app.Target(parse).Describe()} with `vireo create` yet. " +
                                                "Name the VM to start: vireo start NAME (`vireo list --all` lists them).");
        app.Env.Error.WriteLine($"Starting '{vm}', the VM you created last.");
        return vm;
    }

    private static Command Shutdown(CliApp app)
    {
        var name = VmArgument.Create();
        var timeout = Opt.Seconds("--timeout",
            "Seconds to wait for the guest to power off before forcing it off, 0 to 86400 (vireod's default: 120)", 0, 86400);
        var noForce = Opt.Flag("--no-force", "Do not force the VM off after the timeout: leave it running and fail (exit 1)");
        var mode = Opt.Choice("--mode", "How to ask the guest: acpi (the power button, default) or agent (the guest agent's guest-shutdown)", "acpi", "agent");
        var command = app.Docs.Create("shutdown", "Shut a VM down gracefully (ACPI power button)",
            """
            Presses the virtual power button and waits for the guest to power off. A guest that has not powered
            off after --timeout seconds is forced off (like `vireo destroy`) unless --no-force is given, in which
            case it is left running and the command fails with exit status 1.
            With --mode agent the guest agent is asked instead (guest-shutdown, powerdown), for guests that ignore
            ACPI; then it waits the same way. An agent that does not answer fails the command at once (exit 1) and
            the VM keeps running.
            """ + "\n" + AsyncDetails,
            "vireo shutdown web1",
            "vireo shutdown web1 --timeout 30",
            "vireo shutdown web1 --timeout 300 --no-force || echo 'guest ignored the power button'",
            "vireo shutdown web1 --mode agent",
            "vireo shutdown web1 --async");
        var async = AsyncOption();
        var output = OutputFormat.CreateOption();
        command.Add(async);
        command.Add(output);
        command.Add(name);
        command.Add(timeout);
        command.Add(noForce);
        command.Add(mode);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            int? seconds = parse.GetValue(timeout);
            bool force = !parse.GetValue(noForce);
            var how = parse.GetValue(mode);
            var request = seconds is null && force && how is null ? null : new ShutdownRequest { TimeoutSeconds = seconds, Force = force ? null : false, Mode = how };
            var json = parse.GetValue(output) == OutputFormat.Json;
            if (parse.GetValue(async))
                return OperationCommand.Started(app, await client.StartActionOperationAsync(parse.GetValue(name)!, "shutdown", request, ct).ConfigureAwait(false), json);
            var result = await client.ShutdownAsync(parse.GetValue(name)!, request, ct).ConfigureAwait(false);
            Print(app, result, "shut down", json);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private const string AsyncDetails = """
        With --async the action runs as an operation on vireod and the command returns at once, printing the
        operation's id (with --output json: the operation); `vireo operation wait ID` follows it. An action refused
        at once (no such VM, already running) still fails the command with its usual exit status.
        """;

    private static TypedOption<bool> AsyncOption() =>
        Opt.Flag("--async", "Run the action as an operation on vireod and return at once, printing the operation");

    /// <summary>The action's result: a sentence, or with --output json the API's ActionResult.</summary>
    private static void Print(CliApp app, ActionResult result, string done, bool json)
    {
        if (json)
            OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.ActionResult);
        else
            app.Env.Out.WriteLine(Describe(result, done));
    }

    private static string Describe(ActionResult result, string done) =>
        $"VM '{result.Name}' {done}, now {Display.State(result.State)}" + (result.Message is null ? "." : $": {result.Message}");
}

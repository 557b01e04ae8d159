using System.CommandLine;
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
            "Sends the guest an ACPI reboot request, like `virsh reboot`; the guest decides how to honour it.",
            (c, n, ct) => c.RebootAsync(n, ct), "vireo reboot web1");
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
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var result = await call(client, parse.GetValue(name)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine(Describe(result, done));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Start(CliApp app)
    {
        var name = VmArgument.Create();
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
            """,
            "vireo start web1",
            "vireo start web1 --console",
            "vireo start web1 && vireo console web1");
        command.Add(name);
        command.Add(console);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            string vm = parse.GetValue(name)!;
            var result = await client.StartAsync(vm, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine(Describe(result, "started"));
            if (!parse.GetValue(console))
                return ExitCodes.Ok;
            return await ConsoleCommand.AttachAsync(app, client, vm, force: false, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }));
        return command;
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
            """,
            "vireo shutdown web1",
            "vireo shutdown web1 --timeout 30",
            "vireo shutdown web1 --timeout 300 --no-force || echo 'guest ignored the power button'",
            "vireo shutdown web1 --mode agent");
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
            var result = await client.ShutdownAsync(parse.GetValue(name)!, request, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine(Describe(result, "shut down"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Describe(ActionResult result, string done) =>
        $"VM '{result.Name}' {done}, now {Display.State(result.State)}" + (result.Message is null ? "." : $": {result.Message}");
}

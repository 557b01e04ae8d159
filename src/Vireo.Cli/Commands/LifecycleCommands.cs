using System.CommandLine;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo start|shutdown|destroy|reboot|reset|suspend|resume NAME</c>.</summary>
internal static class LifecycleCommands
{
    public static IEnumerable<Command> Create(CliApp app)
    {
        yield return Simple(app, "start", "Start a defined VM", "started",
            """
            Launches QEMU for the VM and waits until the guest is running. Without KVM (see `vireo host check`) the
            VM runs under TCG software emulation, much slower.
            """,
            (c, n, ct) => c.StartAsync(n, ct), "vireo start web1", "vireo start web1 && vireo console web1");
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

    private static Command Shutdown(CliApp app)
    {
        var name = VmArgument.Create();
        var timeout = new Option<int?>("--timeout")
        {
            Description = "Seconds to wait for the guest to power off before forcing it off (vireod's default: 120)",
            HelpName = "SECONDS",
        };
        var noForce = new Option<bool>("--no-force")
        {
            Description = "Do not force the VM off after the timeout: leave it running and fail (exit 1)",
        };
        var command = app.Docs.Create("shutdown", "Shut a VM down gracefully (ACPI power button)",
            """
            Presses the virtual power button and waits for the guest to power off. A guest that has not powered
            off after --timeout seconds is forced off (like `vireo destroy`) unless --no-force is given, in which
            case it is left running and the command fails with exit status 1.
            """,
            "vireo shutdown web1",
            "vireo shutdown web1 --timeout 30",
            "vireo shutdown web1 --timeout 300 --no-force || echo 'guest ignored the power button'");
        command.Add(name);
        command.Add(timeout);
        command.Add(noForce);
        command.Validators.Add(result =>
        {
            if (result.GetValue(timeout) is < 0)
                result.AddError("--timeout must be 0 or more seconds");
        });
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            int? seconds = parse.GetValue(timeout);
            bool force = !parse.GetValue(noForce);
            var request = seconds is null && force ? null : new ShutdownRequest { TimeoutSeconds = seconds, Force = force ? null : false };
            var result = await client.ShutdownAsync(parse.GetValue(name)!, request, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine(Describe(result, "shut down"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Describe(ActionResult result, string done) =>
        $"VM '{result.Name}' {done}, now {Display.State(result.State)}" + (result.Message is null ? "." : $": {result.Message}");
}

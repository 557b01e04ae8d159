using System.CommandLine;
using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo vncdisplay NAME</c>, like <c>virsh vncdisplay</c>.</summary>
internal static class VncDisplayCommand
{
    /// <summary>VNC display N is TCP port 5900 + N.</summary>
    public const int BasePort = 5900;

    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var command = app.Docs.Create("vncdisplay", "Print the VNC display of a running VM",
            """
            Like `virsh vncdisplay`: prints the address of the VM's VNC server as a VNC viewer takes it,
            127.0.0.1:N for display N (TCP port 5900 + N). VNC listens on the host's loopback only: from another
            machine, tunnel it, e.g. ssh -L 5901:127.0.0.1:5901 HOST, then connect the viewer to localhost:1.
            Exit status 4 when the VM is not running or has no VNC display (--graphics none), 3 when there is no
            such VM.
            """,
            "vireo vncdisplay web1",
            "vncviewer $(vireo vncdisplay web1)");
        command.Add(name);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = await client.GetVmAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine(Display(vm));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>127.0.0.1:N, or the reason there is none (exit 4).</summary>
    internal static string Display(VmInfo vm)
    {
        if (vm.Runtime?.VncPort is { } port)
            return "127.0.0.1:" + (port - BasePort).ToString(CultureInfo.InvariantCulture);
        if (vm.Spec.Graphics.Type != "vnc")
            throw StateErrors.WrongState($"VM \"{vm.Name}\" has no VNC display: its graphics are {vm.Spec.Graphics.Type}",
                $"Use its serial console instead: vireo console {vm.Name}");
        if (vm.Runtime is null)
            throw StateErrors.NotRunning(vm, "its VNC display exists only while it runs");
        throw StateErrors.WrongState($"VM \"{vm.Name}\" runs without a VNC display; its VNC graphics take effect at its next start",
            $"Restart it: vireo shutdown {vm.Name} && vireo start {vm.Name}");
    }
}

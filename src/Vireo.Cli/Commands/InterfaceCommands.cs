using System.CommandLine;
using Vireo.Cli.Create;
using Vireo.Cli.Options;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo attach-interface</c> and <c>vireo detach-interface</c>, as virsh names them.</summary>
internal static class InterfaceCommands
{
    public static Command Attach(CliApp app)
    {
        var name = VmArgument.Create();
        var network = Opt.Text("--network", "network=NAME, bridge=BR or user [,model=M][,mac=MAC][,link=up|down], as for vireo create", "SPEC", required: true);
        var command = app.Docs.Create("attach-interface", "Add a NIC to a VM, live when it runs",
            """
            Like `virsh attach-interface --live --config`: on a running VM the NIC is hot-plugged at once (QMP
            netdev_add and device_add into one of the VM's spare PCIe root ports; the tap joins the network's bridge
            first) and written to the spec; on a stopped VM it is added to the spec. The MAC is generated when not
            given. The guest sees a new NIC (e.g. eth1) and must configure it itself.
            """,
            "vireo attach-interface web1 --network network=default",
            "vireo attach-interface web1 --network bridge=br0,model=e1000e");
        command.Add(name);
        command.Add(network);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var nic = NetworkOption.Parse(parse.GetValue(network)!)
                ?? throw new CliUsageException("--network none adds nothing; give network=NAME, bridge=BR or user");
            var vm = await client.AttachNicAsync(parse.GetValue(name)!, nic, ct).ConfigureAwait(false);
            var added = vm.Spec.Nics[^1];
            app.Env.Out.WriteLine($"NIC {added.Mac} added to {vm.Name}" + (vm.State == VmState.Running || vm.State == VmState.Paused ? " (hot-plugged)" : ""));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Detach(CliApp app)
    {
        var name = VmArgument.Create();
        var mac = Opt.Name("--mac", "The NIC's MAC address (vireo info NAME shows it)", "MAC", required: true);
        var command = app.Docs.Create("detach-interface", "Remove a NIC from a VM, live when it runs",
            "Like `virsh detach-interface --live --config`: on a running VM the NIC is unplugged (QMP device_del; the guest\nreleases the device, QEMU reports DEVICE_DELETED, then the tap is closed) and removed from the spec; fails after\n20 s when the guest does not cooperate. On a stopped VM only the spec changes.",
            "vireo detach-interface web1 --mac 52:54:00:12:34:56");
        command.Add(name);
        command.Add(mac);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = await client.DetachNicAsync(parse.GetValue(name)!, parse.GetValue(mac)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"NIC {parse.GetValue(mac)} removed from {vm.Name}" + (vm.State == VmState.Running ? " (unplugged)" : ""));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command SetLink(CliApp app)
    {
        var name = VmArgument.Create();
        var mac = Arg.Name("MAC", "The NIC's MAC address (vireo info NAME shows it)");
        var state = Arg.Choice("STATE", "up or down", "up", "down");
        var command = app.Docs.Create("domif-setlink", "Plug or unplug a NIC's virtual cable",
            "Like `virsh domif-setlink`: the guest sees carrier go down or up at once (QMP set_link); the state is kept in\nthe spec, so the next start begins the same way. Works on stopped VMs too (spec only).",
            "vireo domif-setlink web1 52:54:00:12:34:56 down");
        command.Add(name);
        command.Add(mac);
        command.Add(state);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await client.SetLinkAsync(parse.GetValue(name)!, parse.GetValue(mac)!, parse.GetValue(state) == "up", ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Link of {parse.GetValue(mac)} on {parse.GetValue(name)} is {parse.GetValue(state)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

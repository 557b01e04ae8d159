using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo ip NAME</c>: like <c>virsh domifaddr</c>, with the source of every address.</summary>
internal static class IpCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("ip", "Show a VM's IP addresses and where each came from",
            """
            Like `virsh domifaddr` with every source at once: SOURCE is lease (Vireo's DHCP server on a nat or
            isolated network), arp (the host's neighbour table; the only source for VMs bridged to the LAN, and only
            once the host has exchanged packets with them), reservation (a fixed address not yet seen in use) or
            user-mode (QEMU's built-in network, always 10.0.2.15), or agent (what the guest agent reports for
            that NIC: every address the guest has on it, whatever the network; asked for 2 s at most, and left out
            when the guest has no agent). An address can appear twice, from two sources.
            A VM that is not running has no addresses: that is an error with exit status 4. Exit status 1 when the
            VM runs but no address of it is known yet (a booting guest asks for one over DHCP).
            With -o json: the API's VmAddress array (an empty one, with exit status 1, when none is known).
            """,
            "vireo ip web1", "vireo ip web1 -o json | jq -r '.[0].address'");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            // vireod answers from leases, the neighbour table and reservations, which outlive the guest: a stopped
            // VM's old lease is not an address it has.
            var vm = await client.GetVmAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (vm.Runtime is null)
                throw StateErrors.NotRunning(vm, "it has IP addresses only while it runs");
            var addresses = await client.GetAddressesAsync(vm.Name, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, addresses.ToList(), VireoJsonContext.Default.ListVmAddress);
            }
            else if (addresses.Count == 0)
            {
                app.Env.Error.WriteLine($"error: no address of VM \"{vm.Name}\" is known yet");
                app.Env.Error.WriteLine($"hint: A booting guest asks for one over DHCP; try again shortly, or look at vireo logs {vm.Name}");
            }
            else
            {
                var table = new PlainTable().Column("MAC").Column("NETWORK").Column("ADDRESS").Column("SOURCE");
                foreach (var a in addresses)
                    table.Row(a.Mac, a.Network ?? "-", a.Address, a.Source);
                table.Write(app.Env.CreateOutConsole());
            }
            return addresses.Count == 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }
}

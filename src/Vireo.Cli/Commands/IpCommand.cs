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
            user-mode (QEMU's built-in network, always 10.0.2.15). Exit status 1 when no address is known.
            With -o json: the API's VmAddress array.
            """,
            "vireo ip web1", "vireo ip web1 -o json | jq -r '.[0].address'");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var addresses = await client.GetAddressesAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, addresses.ToList(), VireoJsonContext.Default.ListVmAddress);
            }
            else
            {
                var table = new Table().Border(TableBorder.None).HideRowSeparators();
                foreach (var column in new[] { "MAC", "NETWORK", "ADDRESS", "SOURCE" })
                    table.AddColumn(column);
                foreach (var a in addresses)
                    table.AddRow(a.Mac, Markup.Escape(a.Network ?? "-"), a.Address, a.Source);
                app.Env.CreateOutConsole().Write(table);
            }
            return addresses.Count == 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo net forward add|list|remove</c>, <c>vireo net reserve</c> and <c>vireo net unreserve</c>.</summary>
internal static class NetForwardCommands
{
    public static Command Forward(CliApp app)
    {
        var forward = app.Docs.Create("forward", "Forward host ports to VMs on a nat or user network",
            """
            Port forwards make a VM on a NAT network reachable from the LAN (what virt-manager users have asked for
            for years) and from the host itself, on 127.0.0.1 and the host's own addresses, as Docker's published
            ports are. On a nat network the VM gets a DHCP reservation (its current address when it has one; removed
            with the VM's last forward), and DNAT rules in Vireo's own nftables table send the host port to it; they
            survive VM restarts and vireod restarts. With --host-address the forward answers on that address only,
            from the LAN and from the host (--host-address 127.0.0.1: from the host only). On a user network QEMU
            itself listens on the host port (from the VM's next start).
            """,
            "vireo net forward add default --host-port 8080 --to web1:80",
            "vireo net forward list",
            "vireo net forward remove default --host-port 8080");
        forward.Add(Add(app));
        forward.Add(List(app));
        forward.Add(Remove(app));
        return forward;
    }

    private static Option<string> Proto() => Opt.ChoiceWithDefault("--proto", "tcp (default) or udp", "tcp", ["tcp", "udp"]);

    private static Command Add(CliApp app)
    {
        var network = NetCommand.NetworkArgument();
        var hostPort = Opt.Port("--host-port", "Port on the host (1-65535)", required: true);
        var to = Opt.Name("--to", "VM:PORT to forward to, e.g. web1:80", "VM:PORT", required: true);
        var proto = Proto();
        var hostAddress = Opt.Name("--host-address", "Only this host address, e.g. 127.0.0.1 for the host alone (default: every address of the host)", "ADDRESS");
        var command = app.Docs.Create("add", "Forward a host port to a VM's port",
            "Refused when the host port is already forwarded or a program on the host listens on it, when the VM has\nno NIC on the network, or when the network is not nat/user.",
            "vireo net forward add default --host-port 8080 --to web1:80",
            "vireo net forward add default --host-port 5353 --to dns1:53 --proto udp",
            "vireo net forward add default --host-port 5432 --to db1:5432 --host-address 127.0.0.1");
        command.Add(network);
        foreach (var option in new Option[] { hostPort, to, proto, hostAddress })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var target = parse.GetValue(to)!;
            var colon = target.LastIndexOf(':');
            if (colon <= 0 || ValueParsers.Integer(target[(colon + 1)..], 1, 65535, null, out long guestPort) is not null)
                throw new CliUsageException($"--to {ValueText.Quote(target)} is not VM:PORT with a port from 1 to 65535; write it like web1:80");
            var created = await client.AddForwardAsync(new PortForward
            {
                Network = parse.GetValue(network)!,
                Protocol = parse.GetValue(proto)!,
                HostAddress = parse.GetValue(hostAddress),
                HostPort = parse.GetValue(hostPort)!.Value,
                Vm = target[..colon],
                GuestPort = (int)guestPort,
            }, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Forwarding {created.HostAddress ?? "*"}:{created.HostPort}/{created.Protocol} to {created.Vm}:{created.GuestPort}" +
                                  (created.GuestAddress is null ? "" : $" ({created.GuestAddress})"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliApp app)
    {
        var network = Arg.OptionalName("NETWORK", "Only this network's forwards");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List port forwards",
            "Every forward (or one network's) with the VM address it currently points at. With -o json: PortForward array.",
            "vireo net forward list", "vireo net forward list default -o json");
        command.Add(network);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var forwards = await client.ListForwardsAsync(parse.GetValue(network), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, forwards.ToList(), VireoJsonContext.Default.ListPortForward);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("NETWORK").Column("PROTO").Column("HOST").Column("VM").Column("GUEST PORT", right: true)
                .Column("GUEST ADDRESS");
            foreach (var f in forwards)
                table.Row(f.Network, f.Protocol, $"{f.HostAddress ?? "*"}:{f.HostPort}", f.Vm,
                    f.GuestPort.ToString(CultureInfo.InvariantCulture), f.GuestAddress ?? "-");
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove(CliApp app)
    {
        var network = NetCommand.NetworkArgument();
        var hostPort = Opt.Port("--host-port", "The forwarded host port", required: true);
        var proto = Proto();
        var hostAddress = Opt.Name("--host-address", "The host address, when the forward has one", "ADDRESS");
        var command = app.Docs.Create("remove", "Remove a port forward",
            "Removes the DNAT rules at once. The DHCP reservation that adding the forward made for the VM goes too, once\nno other forward of the VM on the network needs it; a reservation made with `vireo net reserve` stays.",
            "vireo net forward remove default --host-port 8080");
        command.Add(network);
        foreach (var option in new Option[] { hostPort, proto, hostAddress })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var removed = await client.RemoveForwardAsync(parse.GetValue(network)!, parse.GetValue(proto)!, parse.GetValue(hostPort)!.Value, parse.GetValue(hostAddress), ct).ConfigureAwait(false);
            var f = removed.Forward;
            app.Env.Out.WriteLine($"Forward of {f.HostAddress ?? "*"}:{f.HostPort}/{f.Protocol} to {f.Vm}:{f.GuestPort} removed");
            if (removed.ReleasedReservation is { } r)
                app.Env.Out.WriteLine($"Reservation of {r.Address} for {r.Vm} removed too (the forward had made it)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Reserve(CliApp app)
    {
        var network = NetCommand.NetworkArgument();
        var vm = VmArgument.Create();
        var address = Arg.Name("ADDRESS", "The fixed IPv4 address, inside the network's subnet");
        var command = app.Docs.Create("reserve", "Give a VM a fixed address on a nat or isolated network",
            "Like a libvirt <host mac=... ip=.../> entry: Vireo's DHCP server always gives this address to the VM's NIC on\nthe network. A running VM takes it up at its next DHCP renewal or restart.",
            "vireo net reserve default web1 192.168.122.10");
        command.Add(network);
        command.Add(vm);
        command.Add(address);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var r = await client.ReserveAsync(parse.GetValue(network)!, parse.GetValue(vm)!, parse.GetValue(address)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Reserved {r.Address} for {r.Vm}" + (r.Mac is null ? "" : $" ({r.Mac})") + $" on {r.Network}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Unreserve(CliApp app)
    {
        var network = NetCommand.NetworkArgument();
        var vm = VmArgument.Create();
        var command = app.Docs.Create("unreserve", "Remove a VM's fixed address", "Refused while port forwards point at the VM.",
            "vireo net unreserve default web1");
        command.Add(network);
        command.Add(vm);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await client.UnreserveAsync(parse.GetValue(network)!, parse.GetValue(vm)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Reservation of {parse.GetValue(vm)} on {parse.GetValue(network)} removed");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

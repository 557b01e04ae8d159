using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo net list|info|create|delete|start|stop</c>, plus forwards and reservations (NetForwardCommands).</summary>
internal static class NetCommand
{
    public static Command Create(CliApp app)
    {
        var net = app.Docs.Create("net", "Manage virtual networks, port forwards and DHCP reservations",
            """
            Vireo's networks are what libvirt calls virtual networks (virsh net-*), with port forwards and a safe
            bridge conversion on top. Modes:
              nat       a bridge of Vireo's own (vireo-NAME) with the host's address on it, DHCP and DNS from a
                        dnsmasq per network, masquerade out through the host; the LAN cannot reach in except
                        through port forwards. The network "default" (192.168.122.0/24, or the next free /24) is
                        created when vireod first starts, like libvirt's virbr0.
              isolated  like nat, with no way out: VMs reach each other and the host only.
              bridge    attach VMs to an existing host bridge (e.g. br0 holding the host's NIC): every VM is a
                        machine on the LAN and gets its address from the LAN's DHCP.
              user      QEMU user-mode networking: no host setup at all, slow, host ports forwarded by QEMU.
            VMs join a network with `vireo create --network network=NAME` (without --network: "default").
            """,
            "vireo net list",
            "vireo net create lab --mode nat --subnet 10.10.0.0/24",
            "vireo net forward add default --host-port 8080 --to web1:80");
        net.Add(List(app));
        net.Add(Info(app));
        net.Add(CreateNet(app));
        net.Add(Simple(app, "delete", "Delete a network",
            "Removes the network's bridge, dnsmasq, firewall rules, forwards and reservations. Refused while a VM has a NIC on it.",
            (client, name, ct) => client.DeleteNetworkAsync(name, ct), "deleted"));
        net.Add(Simple(app, "start", "Start a network",
            "Creates its bridge with the host address, starts its dnsmasq and applies its firewall rules. Idempotent.",
            (client, name, ct) => client.StartNetworkAsync(name, ct), "started"));
        net.Add(Simple(app, "stop", "Stop a network",
            "Removes its bridge, dnsmasq and firewall rules; the definition stays. Refused while running VMs use it.",
            (client, name, ct) => client.StopNetworkAsync(name, ct), "stopped"));
        net.Add(NetForwardCommands.Forward(app));
        net.Add(NetForwardCommands.Reserve(app));
        net.Add(NetForwardCommands.Unreserve(app));
        net.Add(NetDoctorCommand.Create(app));
        net.Add(BridgeUplinkCommand.Create(app));
        return net;
    }

    internal static Argument<string> NetworkArgument() => Arg.Name("NETWORK", "The network's name");

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List networks",
            "Like `virsh net-list --all`: every network with its mode, subnet, bridge, state and VM count.\nWith -o json: the API's NetworkInfo array.",
            "vireo net list", "vireo net list -o json | jq -r '.[].name'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var networks = await client.ListNetworksAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, networks.ToList(), VireoJsonContext.Default.ListNetworkInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("NAME").Column("MODE").Column("SUBNET").Column("BRIDGE").Column("STATE")
                .Column("AUTOSTART").Column("VMS", right: true);
            foreach (var n in networks)
                table.Row(n.Name, Mode(n.Mode), n.Subnet ?? "-", n.Bridge ?? "-",
                    n.Active ? new Cell("active", "green") : "inactive", Display.YesNo(n.Autostart), n.Vms.Count.ToString(CultureInfo.InvariantCulture));
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Info(CliApp app)
    {
        var name = NetworkArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one network",
            "Like `virsh net-info` and `net-dumpxml` together: mode, subnet, host address, DHCP range, bridge, state\nand why, the VMs on it, its port forwards and reservations. With -o json: the API's NetworkInfo.",
            "vireo net info default", "vireo net info default -o json | jq .forwards");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var n = await client.GetNetworkAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, n, VireoJsonContext.Default.NetworkInfo);
            else
                Render(n).Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static DetailList Render(NetworkInfo n)
    {
        var grid = new DetailList();
        void Row(string key, string? value) => grid.Row(key, value ?? "-");
        Row("Name", n.Name);
        Row("Mode", Mode(n.Mode));
        Row("State", (n.Active ? "active" : "inactive") + (n.Reason is null ? "" : $" ({n.Reason})"));
        Row("Autostart", Display.YesNo(n.Autostart));
        if (n.Subnet is not null)
        {
            Row("Subnet", n.Subnet);
            Row("Host address", n.Gateway);
            Row("DHCP range", n.DhcpRange);
            Row("DNS domain", n.Domain);
        }
        Row("Bridge", n.Bridge);
        Row("VMs", n.Vms.Count == 0 ? "-" : string.Join(", ", n.Vms));
        foreach (var f in n.Forwards)
            Row("Forward", $"{f.HostAddress ?? "*"}:{f.HostPort}/{f.Protocol} -> {f.Vm}:{f.GuestPort}" + (f.GuestAddress is null ? "" : $" ({f.GuestAddress})"));
        foreach (var r in n.Reservations)
            Row("Reservation", $"{r.Vm} = {r.Address}" + (r.Mac is null ? "" : $" ({r.Mac})") + (r.Origin == "forward" ? ", made by its forwards" : ""));
        return grid;
    }

    private static Command CreateNet(CliApp app)
    {
        var name = NetworkArgument();
        var mode = Opt.ChoiceWithDefault("--mode", "nat (default), isolated, bridge or user", "nat", ["nat", "isolated", "bridge", "user"]);
        var subnet = Opt.Name("--subnet", "IPv4 subnet for nat/isolated, e.g. 192.168.100.0/24 (default: the first free /24 from 192.168.122.0)", "CIDR");
        var bridge = Opt.Name("--bridge", "bridge mode: the existing host bridge (e.g. br0); nat/isolated: name of the bridge to create (default vireo-NAME)", "BRIDGE");
        var domain = Opt.Name("--domain", "DNS domain VMs are named under (default: the network name)", "DOMAIN");
        var noAutostart = Opt.Flag("--no-autostart", "Do not start the network when vireod starts");
        var noStart = Opt.Flag("--no-start", "Define only; start it later with vireo net start");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("create", "Create (and start) a network",
            """
            Defines a network and starts it. Refused, with nothing changed, when the subnet overlaps another network
            or a route of the host, when the bridge name is taken, or (bridge mode) when the host bridge does not exist.
            """,
            "vireo net create lab --subnet 10.10.0.0/24",
            "vireo net create private --mode isolated",
            "vireo net create lan --mode bridge --bridge br0");
        command.Add(name);
        foreach (var option in new Option[] { mode, subnet, bridge, domain, noAutostart, noStart, output })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var spec = new NetworkSpec
            {
                Name = parse.GetValue(name)!,
                Mode = parse.GetValue(mode) switch
                {
                    "isolated" => NetworkMode.Isolated,
                    "bridge" => NetworkMode.Bridge,
                    "user" => NetworkMode.User,
                    _ => NetworkMode.Nat,
                },
                Subnet = parse.GetValue(subnet),
                Bridge = parse.GetValue(bridge),
                Domain = parse.GetValue(domain),
                Autostart = !parse.GetValue(noAutostart),
            };
            var info = await client.CreateNetworkAsync(spec, !parse.GetValue(noStart), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.NetworkInfo);
            else
                app.Env.Out.WriteLine($"Network {info.Name} created ({Mode(info.Mode)}{(info.Subnet is null ? "" : $" {info.Subnet}")}{(info.Bridge is null ? "" : $" on {info.Bridge}")}){(info.Active ? " and started" : "")}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Simple(CliApp app, string verb, string summary, string description, Func<Client.VireoClient, string, CancellationToken, Task> call, string done)
    {
        var name = NetworkArgument();
        var command = app.Docs.Create(verb, summary, description, $"vireo net {verb} lab");
        command.Add(name);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await call(client, parse.GetValue(name)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Network {parse.GetValue(name)} {done}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string Mode(NetworkMode mode) => mode switch
    {
        NetworkMode.Nat => "nat",
        NetworkMode.Isolated => "isolated",
        NetworkMode.Bridge => "bridge",
        _ => "user",
    };
}

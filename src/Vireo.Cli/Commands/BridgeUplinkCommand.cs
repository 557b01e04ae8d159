using System.CommandLine;
using System.Globalization;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo net bridge-uplink BRIDGE --from NIC</c>.</summary>
internal static class BridgeUplinkCommand
{
    public static Command Create(CliApp app)
    {
        var bridge = Arg.Name("BRIDGE", "The bridge to create, e.g. br0");
        var from = Opt.Name("--from", "The NIC that moves into the bridge, e.g. ens33", "NIC", required: true);
        var check = Opt.Name("--check", "Address that must answer through the bridge afterwards (default: the default gateway)", "ADDRESS");
        var timeout = Opt.Seconds("--timeout", "Seconds to wait for the check before rolling back, 1 to 600 [default: 20]", 1, 600, 20);
        var dryRun = Opt.Flag("--dry-run", "Print the plan and what the real run would check; change nothing, send no packet");
        var persist = Opt.Flag("--persist", "Also write the change to the host's network configuration (ifupdown, NetworkManager or systemd-networkd)");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("bridge-uplink", "Move a NIC into a new bridge, live, with automatic rollback",
            """
            The brief's ifcfg-ens33/ifcfg-br0 edit, done live and safely: creates BRIDGE with the NIC's MAC and MTU,
            moves the NIC's IPv4 addresses and routes to it and makes the NIC its port, in one `ip -batch` (the host
            is off the network for milliseconds), then checks that the default gateway (or --check) answers through
            the bridge. If it does not within --timeout seconds, everything is rolled back by itself and the
            command fails: the safety of `netplan try` without anyone at the keyboard. Wireless NICs are refused
            (an access point drops frames from the VMs' MACs). Without --persist the change is live only and is
            lost at reboot; --persist writes it for the configuration system the host uses, or says it cannot.
            --dry-run only reads the host: it prints the plan, the rollback and what the real run would ping, and
            neither changes nor sends anything.
            Then: vireo net create lan --mode bridge --bridge BRIDGE, and VMs with --network network=lan.
            """,
            "vireo net bridge-uplink br0 --from ens33 --dry-run",
            "vireo net bridge-uplink br0 --from ens33 --persist",
            "vireo net bridge-uplink br0 --from ens33 --check 192.168.1.10 --timeout 10");
        command.Add(bridge);
        foreach (var option in new Option[] { from, check, timeout, dryRun, persist, output })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var result = await client.BridgeUplinkAsync(new BridgeUplinkRequest
            {
                Bridge = parse.GetValue(bridge)!,
                From = parse.GetValue(from)!,
                Check = parse.GetValue(check),
                TimeoutSeconds = parse.GetValue(timeout),
                DryRun = parse.GetValue(dryRun),
                Persist = parse.GetValue(persist),
            }, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.BridgeUplinkResult);
                return ExitCodes.Ok;
            }
            app.Env.Out.WriteLine(result.Plan.TrimEnd());
            if (result.Applied)
            {
                app.Env.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Done: {parse.GetValue(from)} is now a port of {parse.GetValue(bridge)}; the check answered after {result.CheckLatencyMs:0} ms (total {result.ElapsedMs:0} ms)."));
                if (result.PersistedTo is not null)
                    app.Env.Out.WriteLine($"Persisted to {result.PersistedTo}.");
                if (result.PersistNote is not null)
                    app.Env.Out.WriteLine(result.PersistNote);
            }
            else
            {
                app.Env.Out.WriteLine("Dry run: nothing was changed and no packet was sent.");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}

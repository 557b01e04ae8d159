using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo net doctor</c>.</summary>
internal static class NetDoctorCommand
{
    public static Command Create(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("doctor", "Find what breaks VM networking on this host",
            """
            Checks, and explains with a fix, the usual reasons VM networking stops working: IPv4 forwarding turned
            off, another program's FORWARD chain with policy drop (Docker, firewalld, `iptables -P FORWARD DROP`)
            without Vireo's accept rules in it, Vireo's nftables table or its masquerade missing, dnsmasq not
            running, a network's bridge missing, down, without the host address or without ports, a subnet
            overlapping a host route, and a bridge's uplink NIC renamed or taken out of the bridge.
            Exit status 1 when any check FAILs. With -o json: the API's NetworkDoctorReport.
            """,
            "vireo net doctor", "vireo net doctor -o json | jq '.checks[] | select(.status == \"fail\")'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var report = await client.NetworkDoctorAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, report, VireoJsonContext.Default.NetworkDoctorReport);
            }
            else
            {
                var console = app.Env.CreateOutConsole();
                HostCommand.WriteChecks(app.Env, console, report.Checks);
                console.WriteLine();
                console.WriteLine($"{report.Checks.Count - report.Warnings - report.Failures} passed, {report.Warnings} warnings, {report.Failures} failed");
            }
            return report.Failures > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }
}

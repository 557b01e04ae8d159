using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo list [--all]</c>.</summary>
internal static class ListCommand
{
    public static Command Create(CliApp app)
    {
        var all = Opt.Flag("--all", "Show every defined VM, stopped ones included", "-a");
        var names = Opt.Flag("--name", "Print only the names, one per line, for scripts (like virsh list --name)", "-q");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List virtual machines",
            """
            Like `virsh list`: by default only VMs that are active or need attention are shown (running, paused,
            starting, shutting-down, crashed); --all shows every defined VM. MEMORY is the configured guest memory,
            PID the QEMU process while there is one.
            --name (-q) prints only the names, one per line, sorted, and nothing when there are none: the form
            for scripts, like `virsh list --name`. With -o json the output is the API's VmSummary array (filtered
            the same way).
            """,
            "vireo list",
            "vireo list --all",
            "for vm in $(vireo list --all --name); do vireo dumpspec \"$vm\" > \"$vm.yaml\"; done",
            "vireo list --all -o json | jq -r '.[] | select(.state == \"stopped\") | .name'");
        command.Add(all);
        command.Add(names);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            if (parse.GetValue(names) && parse.GetValue(output) == OutputFormat.Json)
                throw new CliUsageException("--name and -o json exclude each other: --name prints plain names, -o json the whole document");
            var vms = (await client.ListVmsAsync(ct).ConfigureAwait(false))
                .Where(vm => parse.GetValue(all) || IsShownByDefault(vm.State))
                .OrderBy(vm => vm.Name, StringComparer.Ordinal)
                .ToList();
            if (parse.GetValue(names))
            {
                foreach (var vm in vms)
                    app.Env.Out.WriteLine(vm.Name);
            }
            else if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, vms, VireoJsonContext.Default.ListVmSummary);
            else
                Render(vms).Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>States <c>vireo list</c> shows without --all: everything but stopped.</summary>
    internal static bool IsShownByDefault(VmState state) => state != VmState.Stopped;

    private static PlainTable Render(IReadOnlyList<VmSummary> vms)
    {
        var table = new PlainTable()
            .Column("NAME")
            .Column("STATE")
            .Column("VCPUS", right: true)
            .Column("MEMORY", right: true)
            .Column("AUTOSTART")
            .Column("PID", right: true);
        foreach (var vm in vms)
        {
            table.Row(
                vm.Name,
                StateCell(vm.State),
                vm.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Display.Memory(vm.Memory),
                Display.YesNo(vm.Autostart),
                vm.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }
        return table;
    }

    internal static Cell StateCell(VmState state) => new(Display.State(state), state switch
    {
        VmState.Running => "green",
        VmState.Crashed => "red",
        VmState.Paused or VmState.Starting or VmState.ShuttingDown => "yellow",
        _ => null,
    });
}

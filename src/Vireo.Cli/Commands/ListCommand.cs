using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo list [--all]</c>.</summary>
internal static class ListCommand
{
    public static Command Create(CliApp app)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show every defined VM, stopped ones included" };
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List virtual machines",
            """
            Like `virsh list`: by default only VMs that are active or need attention are shown (running, paused,
            starting, shutting-down, crashed); --all shows every defined VM. MEMORY is the configured guest memory,
            PID the QEMU process while there is one.
            With -o json the output is the API's VmSummary array (filtered the same way).
            """,
            "vireo list",
            "vireo list --all",
            "vireo list --all -o json | jq -r '.[] | select(.state == \"stopped\") | .name'");
        command.Add(all);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vms = (await client.ListVmsAsync(ct).ConfigureAwait(false))
                .Where(vm => parse.GetValue(all) || IsShownByDefault(vm.State))
                .OrderBy(vm => vm.Name, StringComparer.Ordinal)
                .ToList();
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, vms, VireoJsonContext.Default.ListVmSummary);
            else
                app.Env.CreateOutConsole().Write(Render(vms));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>States <c>vireo list</c> shows without --all: everything but stopped.</summary>
    internal static bool IsShownByDefault(VmState state) => state != VmState.Stopped;

    private static Table Render(IReadOnlyList<VmSummary> vms)
    {
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        table.AddColumn("NAME");
        table.AddColumn("STATE");
        table.AddColumn(new TableColumn("VCPUS").RightAligned());
        table.AddColumn(new TableColumn("MEMORY").RightAligned());
        table.AddColumn("AUTOSTART");
        table.AddColumn(new TableColumn("PID").RightAligned());
        foreach (var vm in vms)
        {
            table.AddRow(
                Markup.Escape(vm.Name),
                StateMarkup(vm.State),
                vm.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Display.Memory(vm.Memory),
                Display.YesNo(vm.Autostart),
                vm.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }
        return table;
    }

    internal static string StateMarkup(VmState state)
    {
        string text = Display.State(state);
        return state switch
        {
            VmState.Running => $"[green]{text}[/]",
            VmState.Crashed => $"[red]{text}[/]",
            VmState.Paused or VmState.Starting or VmState.ShuttingDown => $"[yellow]{text}[/]",
            _ => text,
        };
    }
}

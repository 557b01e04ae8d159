using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo domstats [NAME]</c>: a VM's cumulative counters, like <c>virsh domstats</c>.</summary>
internal static class DomstatsCommand
{
    public static Command Create(CliApp app)
    {
        var name = Arg.OptionalName("NAME", "The VM's name [default: every VM]");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("domstats", "Show a VM's CPU, memory, disk and network counters (all VMs without a name)",
            """
            Like `virsh domstats`: the counters vireod reads at the moment of the request, cumulative since the VM's
            QEMU process started (a disk or NIC plugged later counts from its plug). Nothing is estimated:
              VM table    PID, uptime, CPU time of the QEMU process (CPU-S, seconds, from /proc; the kernel
                          counts in 10 ms ticks), QEMU's resident memory on the host (RSS), guest memory as
                          configured and as the balloon sets it (- without a balloon), and the CPU time of each
                          vCPU thread (VCPU-S, one figure per vCPU).
              DISK table  per disk and CD-ROM drive: bytes and requests read and written, and flushes (QEMU's
                          query-blockstats).
              NIC table   per NIC: bytes, packets, errors and drops from the guest's side (RX = what the guest
                          received), from its tap's kernel counters. A user-mode NIC has no tap: its counters are -
                          and a note below the table says so.
            VMs without a QEMU process show their state only. For rates over time use `vireo top`, or take two
            samples with -o json and divide the differences by the difference of their clock_ns (nanoseconds of
            the host's monotonic clock).
            With -o json: the API's VmStats for one VM, or its StatsReport (host CPUs and memory, every VM) without
            a name; counters are exact integers (bytes, nanoseconds).
            """,
            "vireo domstats web1",
            "vireo domstats",
            "vireo domstats web1 -o json | jq '.disks[] | {device, write_bytes}'",
            "vireo domstats -o json | jq -r '.vms[] | select(.cpu) | \"\\(.name) \\(.cpu.time_ns)\"'");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var json = parse.GetValue(output) == OutputFormat.Json;
            List<VmStats> vms;
            if (parse.GetValue(name) is { } vm)
            {
                var stats = await client.GetVmStatsAsync(vm, ct).ConfigureAwait(false);
                if (json)
                {
                    OutputFormat.WriteJson(app.Env, stats, VireoJsonContext.Default.VmStats);
                    return ExitCodes.Ok;
                }
                vms = [stats];
            }
            else
            {
                var report = await client.GetStatsAsync(ct).ConfigureAwait(false);
                if (json)
                {
                    OutputFormat.WriteJson(app.Env, report, VireoJsonContext.Default.StatsReport);
                    return ExitCodes.Ok;
                }
                vms = report.Vms;
            }
            foreach (var line in Render(vms, TopCommand.Width(app.Env)))
                app.Env.Out.WriteLine(line);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The VM table, then the DISK and NIC tables when any VM has rows there, then notes; no trailing spaces.</summary>
    internal static List<string> Render(IReadOnlyList<VmStats> vms, int width)
    {
        var lines = new List<string>();
        var notes = new List<string>();

        var main = new ColumnTable(
            new TextColumn("NAME", Shrinkable: true),
            new TextColumn("STATE"),
            new TextColumn("PID", RightAligned: true),
            new TextColumn("UPTIME", RightAligned: true),
            new TextColumn("CPU-S", RightAligned: true),
            new TextColumn("RSS", RightAligned: true, Droppable: true),
            new TextColumn("MEMORY", RightAligned: true, Droppable: true),
            new TextColumn("BALLOON", RightAligned: true, Droppable: true),
            new TextColumn("VCPU-S", Droppable: true));
        foreach (var vm in vms)
        {
            main.AddRow(
                vm.Name,
                Display.State(vm.State),
                StatsFormat.Count(vm.Pid),
                StatsFormat.Uptime(vm.UptimeSeconds),
                StatsFormat.CpuSeconds(vm.Cpu?.TimeNs),
                StatsFormat.Bytes(vm.Memory?.RssBytes),
                vm.Memory is { } m ? StatsFormat.Bytes(m.ConfiguredBytes) : "-",
                StatsFormat.Bytes(vm.Memory?.BalloonActualBytes),
                vm.Cpu is { Vcpus.Count: > 0 } cpu ? string.Join(',', cpu.Vcpus.Select(v => StatsFormat.CpuSeconds(v.TimeNs))) : "-");
            foreach (var warning in vm.Warnings ?? [])
                notes.Add($"{vm.Name}: {warning}");
        }
        lines.AddRange(main.Render(width));

        var disks = new ColumnTable(
            new TextColumn("NAME", Shrinkable: true),
            new TextColumn("DEVICE"),
            new TextColumn("RD-BYTES", RightAligned: true),
            new TextColumn("WR-BYTES", RightAligned: true),
            new TextColumn("RD-OPS", RightAligned: true, Droppable: true),
            new TextColumn("WR-OPS", RightAligned: true, Droppable: true),
            new TextColumn("FLUSHES", RightAligned: true, Droppable: true),
            new TextColumn("SOURCE", Droppable: true));
        foreach (var vm in vms)
        {
            foreach (var d in vm.Disks ?? [])
            {
                disks.AddRow(vm.Name, d.Device, StatsFormat.Count(d.ReadBytes), StatsFormat.Count(d.WriteBytes),
                    StatsFormat.Count(d.ReadOps), StatsFormat.Count(d.WriteOps), StatsFormat.Count(d.FlushOps),
                    d.Source ?? (d.Kind == "cdrom" ? "(empty drive)" : "-"));
            }
        }
        if (disks.RowCount > 0)
        {
            lines.Add("");
            lines.AddRange(disks.Render(width));
        }

        var nics = new ColumnTable(
            new TextColumn("NAME", Shrinkable: true),
            new TextColumn("MAC"),
            new TextColumn("RX-BYTES", RightAligned: true),
            new TextColumn("TX-BYTES", RightAligned: true),
            new TextColumn("RX-PKTS", RightAligned: true, Droppable: true),
            new TextColumn("TX-PKTS", RightAligned: true, Droppable: true),
            new TextColumn("ERRS", RightAligned: true, Droppable: true),
            new TextColumn("DROPS", RightAligned: true, Droppable: true),
            new TextColumn("TAP", Droppable: true),
            new TextColumn("ON", Droppable: true));
        foreach (var vm in vms)
        {
            foreach (var n in vm.Nics ?? [])
            {
                nics.AddRow(vm.Name, n.Mac, StatsFormat.Count(n.RxBytes), StatsFormat.Count(n.TxBytes),
                    StatsFormat.Count(n.RxPackets), StatsFormat.Count(n.TxPackets),
                    n.RxErrors is null ? "-" : StatsFormat.Count(n.RxErrors + n.TxErrors),
                    n.RxDropped is null ? "-" : StatsFormat.Count(n.RxDropped + n.TxDropped),
                    n.Tap ?? "-",
                    n.Type switch { "network" => $"network {n.Network}", "bridge" => $"bridge {n.Bridge}", var t => t });
                if (n.Unavailable is { } why)
                    notes.Add($"{vm.Name} {n.Mac}: no counters: {why}");
            }
        }
        if (nics.RowCount > 0)
        {
            lines.Add("");
            lines.AddRange(nics.Render(width));
        }
        if (notes.Count > 0)
        {
            lines.Add("");
            lines.AddRange(notes.SelectMany(n => ColumnTable.Wrap(n, width)));
        }
        return lines;
    }
}

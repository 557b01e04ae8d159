using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo info NAME</c>.</summary>
internal static class InfoCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one VM's state, definition and runtime details",
            """
            Like `virsh dominfo` plus the devices: state and why, vCPUs, memory, boot, disks, NICs, graphics,
            the QEMU process (PID, accelerator, VNC port) while it runs, and where the serial log is. The values
            are those the VM runs with; changes made while it runs that QEMU could not take live (see vireo edit,
            vireo set) are listed under "Pending" until the VM next starts. "Defined" shows the definition's
            revision, which grows with every change.
            With -o json the output is the API's VmInfo document.
            """,
            "vireo info web1",
            "vireo info web1 -o json | jq .runtime.pid");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = await client.GetVmAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, vm, VireoJsonContext.Default.VmInfo);
            else
                Render(vm).Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static DetailList Render(VmInfo vm)
    {
        var spec = vm.Spec;
        var grid = new DetailList();
        void Row(string key, string? value) => grid.Row(key, value ?? "-");

        Row("Name", vm.Name);
        Row("UUID", vm.Uuid);
        grid.Row("State", ListCommand.StateCell(vm.State) with { Text = Display.State(vm.State) + (vm.Reason is null ? "" : $" ({vm.Reason})") });
        if (spec.Description is not null)
            Row("Description", spec.Description);
        if (spec.Image is not null)
            Row("Image", spec.Image);
        Row("vCPUs", spec.Vcpus.ToString(CultureInfo.InvariantCulture)
            + (spec.MaxVcpus is { } maxVcpus && maxVcpus != spec.Vcpus ? $" (up to {maxVcpus.ToString(CultureInfo.InvariantCulture)} live)" : ""));
        Row("Memory", Display.Memory(spec.Memory)
            + (spec.MaxMemory is { } maxMemory && maxMemory != spec.Memory ? $" (up to {Display.Memory(maxMemory)} live)" : ""));
        Row("Machine", spec.Machine);
        Row("CPU", spec.Cpu);
        Row("Accel", vm.Runtime is { } rt ? Display.Accel(rt.Accel, rt.AccelWarning) : spec.Accel);
        Row("Boot", Boot(spec.Boot));
        for (int i = 0; i < spec.Disks.Count; i++)
            Row(i == 0 ? "Disks" : "", Disk(spec.Disks[i]));
        if (vm.CloudInitSeed is not null)
            Row(spec.Disks.Count == 0 ? "Disks" : "", $"{vm.CloudInitSeed} (cdrom, raw, sata, read-only, cloud-init seed)");
        else if (spec.Disks.Count == 0)
            Row("Disks", "none");
        for (int i = 0; i < spec.Nics.Count; i++)
            Row(i == 0 ? "NICs" : "", Nic(spec.Nics[i]));
        if (spec.Nics.Count == 0)
            Row("NICs", "none");
        Row("Graphics", Graphics(spec.Graphics, vm.Runtime));
        Row("Serial", spec.Serial ? vm.SerialLog ?? "yes" : "no");
        Row("Autostart", Display.YesNo(spec.Autostart));
        Row("On crash", Display.OnCrash(spec.OnCrash));
        if (vm.Runtime is { } run)
        {
            Row("PID", run.Pid.ToString(CultureInfo.InvariantCulture));
            Row("Started", Display.Time(run.StartedAt));
            if (run.QemuStatus is not null)
                Row("QEMU status", run.QemuStatus);
            if (run.Emulator is not null)
                Row("Emulator", run.Emulator);
        }
        Row("Defined", Display.Time(vm.DefinedAt) + $" (revision {vm.Revision.ToString(CultureInfo.InvariantCulture)})");
        // Proxmox's "pending" view: what the running VM gets at its next start.
        if (vm.PendingChanges is { Count: > 0 } pending)
            for (int i = 0; i < pending.Count; i++)
                Row(i == 0 ? "Pending" : "", Change(pending[i]) + (i == 0 ? " (at the next start)" : ""));
        return grid;
    }

    /// <summary>One changed field: <c>memory: 512MiB -> 1GiB</c> (<c>-</c> for not set).</summary>
    internal static string Change(SpecChange change) => $"{change.Field}: {change.From ?? "-"} -> {change.To ?? "-"}";

    private static string Boot(BootSpec boot)
    {
        if (boot.Kernel is not null)
        {
            var parts = new List<string> { "kernel " + boot.Kernel };
            if (boot.Initrd is not null)
                parts.Add("initrd " + boot.Initrd);
            if (boot.Cmdline is not null)
                parts.Add($"cmdline \"{boot.Cmdline}\"");
            return string.Join(", ", parts);
        }
        return boot.Order.Count > 0 ? "firmware, order " + string.Join(",", boot.Order) : "firmware";
    }

    private static string Disk(DiskSpec disk) =>
        $"{disk.Path ?? "(empty)"} ({disk.Device}, {disk.Format ?? "?"}, {disk.Bus ?? "default bus"}" +
        (disk.Readonly ? ", read-only" : "") + ")";

    private static string Nic(NicSpec nic) =>
        (nic.Type == "bridge" ? $"bridge {nic.Bridge}" : nic.Type) + $" ({nic.Model}" + (nic.Mac is null ? ")" : $", {nic.Mac})");

    private static string Graphics(GraphicsSpec graphics, VmRuntimeInfo? runtime)
    {
        if (graphics.Type != "vnc")
            return graphics.Type;
        int? port = runtime?.VncPort ?? graphics.Port;
        return port is null ? "vnc on 127.0.0.1" : $"vnc on 127.0.0.1:{port}";
    }
}

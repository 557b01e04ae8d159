using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Create;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo disk attach|detach|list</c> (virsh attach-disk, detach-disk, domblklist).</summary>
internal static class DiskCommands
{
    public static Command Create(CliApp app)
    {
        var disk = app.Docs.Create("disk", "Add, remove and list a VM's disks (live when it runs)",
            """
            A disk is a volume of a storage pool (POOL/NAME, see `vireo vol list`) or an image file by absolute path.
            On a running VM, attach and detach are hot-plug: the image is opened with QMP blockdev-add (format
            always explicit) and the device plugged into a spare PCIe root port (virtio) or onto the VM's SCSI
            controller (scsi); detach waits for the guest to release the device (at most 20 s), then closes the
            image. Either way the spec is updated, so the change survives a restart.
            """,
            "vireo disk attach web1 default/web1-data.qcow2",
            "vireo disk attach web1 /srv/images/data.raw --format raw --bus scsi --cache writeback",
            "vireo disk detach web1 default/web1-data.qcow2",
            "vireo disk list web1 -o json");
        disk.Add(Attach(app));
        disk.Add(Detach(app));
        disk.Add(List(app));
        return disk;
    }

    private static Command Attach(CliApp app)
    {
        var name = VmArgument.Create();
        var source = Arg.Path("SOURCE", "A volume POOL/NAME, or the path of an image file");
        var format = Choice("--format", "Image format of a path (required for a path: Vireo never probes formats)", "raw", "qcow2");
        var bus = Choice("--bus", "virtio (default; hot-pluggable), scsi (hot-pluggable when the VM has a SCSI disk already), sata (stopped VMs only)", "virtio", "scsi", "sata");
        var readOnly = Opt.Flag("--readonly", "Attach read-only");
        var serial = Opt.Name("--serial", "Serial number the guest sees (up to 20 characters)", "TEXT");
        var cache = Choice("--cache", "Host cache mode (default: none where the file system supports O_DIRECT, else writeback)", "none", "writeback", "writethrough", "directsync", "unsafe");
        var aio = Choice("--aio", "I/O submission (default: io_uring where available, else native with O_DIRECT, else threads)", "io_uring", "native", "threads");
        var discard = Choice("--discard", "Guest TRIM: unmap (default) frees blocks in the image; ignore", "unmap", "ignore");
        var command = app.Docs.Create("attach", "Add a disk to a VM, live when it runs",
            """
            Like `virsh attach-disk --live --config`. A writable image may belong to one VM only (two writers corrupt
            it). Exit status 2 for bad input (nothing changes), 1 when QEMU refuses the device.
            """,
            "vireo disk attach web1 default/web1-data.qcow2",
            "vireo disk attach web1 /srv/images/old.raw --format raw --readonly");
        foreach (Symbol s in new Symbol[] { name, source, format, bus, readOnly, serial, cache, aio, discard })
            Add(command, s);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var (path, volume) = Source(parse.GetValue(source)!, app.Env.CurrentDirectory);
            var spec = new DiskSpec
            {
                Path = path,
                Volume = volume,
                Format = parse.GetValue(format),
                Bus = parse.GetValue(bus),
                Readonly = parse.GetValue(readOnly),
                Serial = parse.GetValue(serial),
                Cache = parse.GetValue(cache),
                Aio = parse.GetValue(aio),
                Discard = parse.GetValue(discard),
            };
            var vm = await client.AttachDiskAsync(parse.GetValue(name)!, spec, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Disk {volume ?? path} attached to {vm.Name}" + (vm.State is VmState.Running or VmState.Paused ? " (hot-plugged)" : ""));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Detach(CliApp app)
    {
        var name = VmArgument.Create();
        var source = Arg.Path("SOURCE", "The disk's volume POOL/NAME or image path (vireo disk list shows them)");
        var command = app.Docs.Create("detach", "Remove a disk from a VM, live when it runs; the image is kept",
            "Like `virsh detach-disk --live --config`. On a running VM the guest must release the device (PCIe or SCSI\nhot-unplug); after 20 s without that, the command fails and the disk stays.",
            "vireo disk detach web1 default/web1-data.qcow2");
        command.Add(name);
        command.Add(source);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var (path, volume) = Source(parse.GetValue(source)!, app.Env.CurrentDirectory);
            var vm = await client.DetachDiskAsync(parse.GetValue(name)!, volume ?? path!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Disk {volume ?? path} detached from {vm.Name}" + (vm.State == VmState.Running ? " (unplugged)" : ""));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliApp app)
    {
        var name = VmArgument.Create();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List a VM's disks and CD-ROM drives",
            "Like `virsh domblklist --details`. With -o json: the spec's disks array (DiskSpec objects).",
            "vireo disk list web1");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = await client.GetVmAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, vm.Spec.Disks.ToList(), VireoJsonContext.Default.ListDiskSpec);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("DEVICE").Column("BUS").Column("SOURCE", wraps: true).Column("FORMAT").Column("MODE");
            foreach (var d in vm.Spec.Disks)
            {
                var bus = d.Bus ?? (d.Device == "cdrom" ? "sata" : "virtio");
                var mode = d.Readonly || d.Device == "cdrom" ? "ro" : "rw";
                if (d.Cache is not null) mode += $",cache={d.Cache}";
                table.Row(d.Device, bus, d.Volume ?? d.Path ?? "(empty)", d.Format ?? "-", mode);
            }
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A source starting with / or . is a path (made absolute); anything else with a slash is a volume.</summary>
    internal static (string? Path, string? Volume) Source(string text, string cwd)
    {
        if (text.StartsWith('/') || text.StartsWith('.'))
            return (Paths.Absolute(text, cwd), null);
        if (text.Contains('/', StringComparison.Ordinal))
            return (null, text);
        throw new CliUsageException($"\"{text}\" is neither a volume (POOL/NAME) nor a path (absolute, or starting with ./)");
    }

    private static Option<string?> Choice(string flag, string description, params string[] values) => Opt.Choice(flag, description, values);

    private static void Add(Command command, Symbol symbol)
    {
        switch (symbol)
        {
            case Argument a: command.Add(a); break;
            case Option o: command.Add(o); break;
        }
    }
}

using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo vol list|info|create|resize|delete</c>, plus import/convert/clone (VolCopyCommands), like virsh vol-*.</summary>
internal static class VolCommand
{
    public static Command Create(CliApp app)
    {
        var vol = app.Docs.Create("vol", "Manage volumes (disk images in pools)",
            """
            A volume is a disk image in a pool, named POOL/NAME everywhere (NAME: 1-128 letters, digits, ".", "_" or
            "-", starting with a letter or digit; never a path). Like virsh vol-*, with qemu-img underneath: qcow2 or
            raw, sizes with binary units (20G, 512MiB), preallocation, qcow2 overlays on a backing volume (linked
            copies), import of an existing image file, convert, clone, resize. A volume's format is the one Vireo
            recorded when it made it: it is never probed, and qemu-img is always given every format (-f, -O, -F), so a
            guest that writes a qcow2 header into a raw disk cannot make it read host files.
            A VM uses a volume with `volume: POOL/NAME` in a disk of its spec. A volume used by a VM cannot be deleted,
            nor resized while that VM runs; a volume that backs others cannot be deleted.
            import, convert and clone are long operations: a progress bar on a terminal (`progress: N%` lines
            otherwise), Ctrl-C cancels them on vireod too; a failed or cancelled one leaves no partial file.
            """,
            "vireo vol create default/web1.qcow2 --size 20G",
            "vireo vol create default/web2.qcow2 --backing default/base.qcow2",
            "vireo vol import default/debian.qcow2 --from ~/debian-12.qcow2 --source-format qcow2",
            "vireo vol list default");
        vol.Add(List(app));
        vol.Add(Info(app));
        vol.Add(CreateVol(app));
        vol.Add(Resize(app));
        vol.Add(Delete(app));
        vol.Add(VolCopyCommands.Import(app));
        vol.Add(VolCopyCommands.Convert(app));
        vol.Add(VolCopyCommands.Clone(app));
        vol.Add(VolTransferCommands.Upload(app));
        vol.Add(VolTransferCommands.Download(app));
        return vol;
    }

    internal static Argument<string> VolumeArgument(string name = "VOLUME", string description = "The volume, POOL/NAME") =>
        Arg.Name(name, description);

    private static Command List(CliApp app)
    {
        var pool = Arg.OptionalName("POOL", "Only this pool's volumes");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List volumes",
            "Like `virsh vol-list --details`, for one pool or all: each volume with its format, virtual size, space\nallocated on the host, backing volume and the VMs using it; a read-only base (made by a linked clone) shows\nthe VMs layered on it. With -o json: the API's VolumeInfo array (base, layered_users).",
            "vireo vol list", "vireo vol list default -o json | jq -r '.[].volume'");
        command.Add(pool);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var name = parse.GetValue(pool);
            var volumes = await client.ListVolumesAsync(name is null ? null : StorageText.Pool(name), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, volumes.ToList(), VireoJsonContext.Default.ListVolumeInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("VOLUME").Column("FORMAT").Column("VIRTUAL", right: true).Column("ALLOCATED", right: true)
                .Column("BACKING", wraps: true).Column("USED BY", wraps: true);
            foreach (var v in volumes)
                table.Row(v.Volume, v.Format, StorageText.Bytes(v.VirtualSizeBytes), StorageText.Bytes(v.ActualSizeBytes),
                    v.Backing ?? "-", UsedByText(v));
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The VMs on a volume; a base says so, with the VMs layered on it.</summary>
    internal static string UsedByText(VolumeInfo v)
    {
        var direct = string.Join(",", v.UsedBy);
        if (!v.Base)
            return direct.Length == 0 ? "-" : direct;
        var layered = (v.LayeredUsers ?? []).Count == 0 ? "nothing" : string.Join(",", v.LayeredUsers!);
        return $"read-only base of {layered}" + (direct.Length == 0 ? "" : $"; {direct}");
    }

    private static Command Info(CliApp app)
    {
        var volume = VolumeArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one volume",
            "Like `virsh vol-info` and `qemu-img info` together: path, recorded format, virtual and allocated size,\npreallocation, the backing chain, the VMs using it, the volumes built on it, and for a read-only base the\nVMs layered on it. With -o json: the API's VolumeInfo.",
            "vireo vol info default/web1.qcow2", "vireo vol info default/web1.qcow2 -o json | jq .virtual_size_bytes");
        command.Add(volume);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var v = await client.GetVolumeAsync(StorageText.Volume(parse.GetValue(volume)), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, v, VireoJsonContext.Default.VolumeInfo);
            else
                Render(v).Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static DetailList Render(VolumeInfo v)
    {
        var grid = new DetailList();
        void Row(string key, string? value) => grid.Row(key, value ?? "-");
        Row("Volume", v.Volume);
        Row("Path", v.Path);
        Row("Format", v.Format);
        Row("Virtual size", v.VirtualSizeBytes is { } size ? $"{StorageText.Bytes(size)} ({size} bytes)" : null);
        Row("Allocated", StorageText.Bytes(v.ActualSizeBytes));
        Row("Preallocation", v.Preallocation);
        if (v.ClusterSize is { } cluster)
            Row("Cluster size", StorageText.Bytes(cluster));
        Row("Backing chain", v.BackingChain.Count == 0 ? null : string.Join(" -> ", v.BackingChain.Select(b => $"{b.Volume} ({b.Format})")));
        if (v.Base)
            Row("Role", v.Dependants.Count == 0
                ? "read-only base, nothing layered on it (it can be deleted)"
                : "read-only base (not written, not resized, not deleted while anything is layered on it)");
        Row("Used by", v.UsedBy.Count == 0 ? null : string.Join(", ", v.UsedBy));
        Row("Dependants", v.Dependants.Count == 0 ? null : string.Join(", ", v.Dependants));
        if (v.LayeredUsers is { Count: > 0 })
            Row("Layered users", string.Join(", ", v.LayeredUsers));
        if (v.Corrupt == true)
            Row("Corrupt", "yes (qemu-img check -r all can repair it while no VM uses it)");
        if (v.Problem is not null)
            Row("Problem", v.Problem);
        Row("Created", Display.Time(v.CreatedAt));
        return grid;
    }

    private static Command CreateVol(CliApp app)
    {
        var volume = VolumeArgument();
        var size = Opt.Bytes("--size", "Virtual size with a binary unit: 20G, 512M, 1.5GiB (optional with --backing: the backing volume's size)");
        var format = Opt.ChoiceWithDefault("--format", "qcow2 (default) or raw", "qcow2", ["qcow2", "raw"]);
        var prealloc = Opt.ChoiceWithDefault("--prealloc", "off (default, sparse), metadata (qcow2), falloc or full", "off", ["off", "metadata", "falloc", "full"]);
        var backing = Opt.Name("--backing", "Make a qcow2 overlay on this volume (POOL/NAME): a linked copy", "VOLUME");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("create", "Create a volume",
            """
            Like `virsh vol-create-as` (qemu-img create with -f, and -F for a backing file). Preallocation: off is
            sparse; metadata writes qcow2's tables; falloc reserves the space; full writes every byte. With --backing
            the new volume is a qcow2 overlay that reads unchanged data from the backing volume, which then cannot be
            deleted while the overlay exists, nor written by a VM. A VM's writable disk therefore cannot be the
            backing volume (exit 4; the VM could no longer start): `vireo clone VM NEW --linked` turns it into a
            read-only base under both VMs, on which further overlays can then be made. A failure (e.g. the pool's
            disk fills up) leaves no file.
            """,
            "vireo vol create default/data.qcow2 --size 20G",
            "vireo vol create default/db.raw --size 8G --format raw --prealloc falloc",
            "vireo vol create default/web2.qcow2 --backing default/base.qcow2");
        command.Add(volume);
        foreach (var option in new Option[] { size, format, prealloc, backing, output })
            command.Add(option);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var reference = StorageText.Volume(parse.GetValue(volume));
            var backingRef = parse.GetValue(backing);
            if (backingRef is not null)
                StorageText.Volume(backingRef, "--backing");
            var slash = reference.IndexOf('/', StringComparison.Ordinal);
            var v = await client.CreateVolumeAsync(reference[..slash], new VolumeCreateRequest
            {
                Name = reference[(slash + 1)..],
                Size = parse.GetValue(size) is { } bytes ? SizeParser.Format(bytes) : null,
                Format = parse.GetValue(format),
                Preallocation = parse.GetValue(prealloc),
                Backing = backingRef,
            }, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, v, VireoJsonContext.Default.VolumeInfo);
            else
                app.Env.Out.WriteLine($"Volume {v.Volume} created ({v.Format}, {StorageText.Bytes(v.VirtualSizeBytes)}{(v.Backing is null ? "" : $", backed by {v.Backing}")})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Resize(CliApp app)
    {
        var volume = VolumeArgument();
        var size = Arg.SizeOrGrowth("SIZE", "New virtual size (40G) or growth (+10G), with a binary unit");
        var shrink = Opt.Flag("--allow-shrink", "Allow a smaller size: the data past the new end is lost");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("resize", "Change a volume's virtual size",
            """
            Like `virsh vol-resize` (qemu-img resize). SIZE sets the size, +SIZE grows it. Shrinking is refused unless
            --allow-shrink is given, and always for a volume that backs others. A volume that one running (or
            paused) VM has as its disk grows live through that VM's QEMU, like `virsh blockresize`: the guest sees
            the new capacity at once; it is never shrunk while the VM runs. Refused while several running VMs use
            the volume, or one uses it through an overlay. The guest's partitions and file systems are not changed:
            grow them inside the guest.
            """,
            "vireo vol resize default/web1.qcow2 +10G    # running or not",
            "vireo vol resize default/scratch.raw 1G --allow-shrink");
        command.Add(volume);
        command.Add(size);
        command.Add(shrink);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var v = await client.ResizeVolumeAsync(StorageText.Volume(parse.GetValue(volume)),
                new VolumeResizeRequest { Size = parse.GetValue(size)!, AllowShrink = parse.GetValue(shrink) }, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, v, VireoJsonContext.Default.VolumeInfo);
            else
                app.Env.Out.WriteLine($"Volume {v.Volume} resized to {StorageText.Bytes(v.VirtualSizeBytes)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Delete(CliApp app)
    {
        var volume = VolumeArgument();
        var command = app.Docs.Create("delete", "Delete a volume and its file",
            "Like `virsh vol-delete`. Refused while a defined VM has it as a disk (the VMs are named) and while other\nvolumes use it as their backing file (they are named).",
            "vireo vol delete default/old.qcow2");
        command.Add(volume);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var reference = StorageText.Volume(parse.GetValue(volume));
            await client.DeleteVolumeAsync(reference, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Volume {reference} deleted");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo clone SRC DST [--linked]</c> (virt-clone).</summary>
internal static class CloneCommand
{
    public static Command Create(CliApp app)
    {
        var source = Arg.Name("SRC", "The VM to clone (must be stopped)");
        var target = Arg.Name("DST", "Name of the new VM");
        var linked = Opt.Flag("--linked", "Thin qcow2 overlays on read-only bases instead of full copies (SRC's volumes become bases under both VMs; SRC keeps working)");
        var pool = Opt.Name("--pool", "Pool for the new volumes (default: each source volume's pool; default for disks given by path)", "POOL");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("clone", "Copy a stopped VM under a new name, fully or as a linked clone",
            """
            Like virt-clone, plus linked clones as Proxmox makes them from templates, without a template step. DST
            gets its own identity: a new UUID, new MAC addresses, for an image VM a hostname that follows its name
            (vireo.hostname= on the kernel command line; a hostname set by hand to something else is kept), and no
            fixed VNC port (graphics.port: DST takes the first free display; the output says so). Disk serial
            numbers are kept (each guest sees only its own disks, and its fstab may name them).
            Every writable disk becomes a new volume named after DST (web1-root.qcow2 -> web2-root.qcow2): a full
            copy (sparse, same format; disks given by path are copied into a pool), or with --linked a qcow2 overlay
            made in milliseconds, using space only for what DST changes. Read-only disks and CD-ROMs are shared.
            --linked turns each of SRC's writable volumes into a read-only base under both VMs: the volume's data
            moves, without a copy, to a new volume named NAME.base.EXT (web1-root.base.qcow2), and SRC's volume keeps
            its name as an empty overlay on that base, so SRC starts, snapshots and reverts as before, and neither
            VM sees the other's writes. The output names every base. A base is read-only: it cannot be written,
            resized, or deleted while anything is layered on it (vol list and vol info show it). Another linked clone
            of SRC reuses the base while SRC's overlay holds no changes of its own, and otherwise stacks a new base
            on it; clones of clones work the same way. A linked clone is refused while a volume to become a base holds
            internal snapshots (they would be frozen in the base, out of SRC's reach): delete them or make a full
            clone. The move is crash-safe: a vireod killed half-way puts SRC's volumes back when it starts again.
            Linked clones made by older Vireo versions sat directly on SRC's volume; vireod turns such a volume into
            a base when it starts, or else before SRC's next start or linked clone (the output names the new base).
            A full clone shows progress; Ctrl+C cancels it and removes the volumes made so far. With -o json: the
            API's CloneResult (the new VM, each disk, the bases).
            Exit status 2 for bad input (DST exists, a path disk with --linked), 4 when SRC runs or a volume holds
            snapshots (with --linked): nothing changes.
            """,
            "vireo clone web1 web2",
            "vireo clone golden web3 --linked",
            "vireo clone db1 db1-copy --pool fast");
        command.Add(source);
        command.Add(target);
        command.Add(linked);
        command.Add(pool);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var request = new CloneRequest { Name = parse.GetValue(target)!, Linked = parse.GetValue(linked), Pool = parse.GetValue(pool) };
            var operation = await client.CloneVmAsync(parse.GetValue(source)!, request, ct).ConfigureAwait(false);
            var done = await OperationCommand.FollowAsync(app, client, operation, $"clone {parse.GetValue(source)} → {request.Name}",
                "the volumes it made were removed", ct).ConfigureAwait(false);
            var result = VireoClient.CloneResult(done);
            if (parse.GetValue(output) == OutputFormat.Json && result is not null)
            {
                OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.CloneResult);
                return ExitCodes.Ok;
            }
            app.Env.Out.WriteLine($"VM {request.Name} cloned from {parse.GetValue(source)} ({(request.Linked ? "linked" : "full copy")})");
            foreach (var disk in result?.Disks ?? [])
                app.Env.Out.WriteLine(disk.How switch
                {
                    "overlay" => $"  disk {disk.Index}: {disk.Volume}, an overlay on {disk.Backing}",
                    "copied" => $"  disk {disk.Index}: {disk.Volume}, a copy of {disk.Source}",
                    _ => $"  disk {disk.Index}: {disk.Source ?? "(empty)"}, shared",
                });
            foreach (var b in result?.Bases ?? [])
                app.Env.Out.WriteLine(b.Reused
                    ? $"Base {b.Base} reused as it is: {b.Source} of {parse.GetValue(source)} has no changes of its own."
                    : $"{b.Source} is now an empty overlay on the new read-only base {b.Base}, which holds its data: {parse.GetValue(source)} keeps working on it, {request.Name} has its own overlay.");
            foreach (var note in result?.Notes ?? [])
                app.Env.Out.WriteLine(note);
            return ExitCodes.Ok;
        }));
        return command;
    }
}

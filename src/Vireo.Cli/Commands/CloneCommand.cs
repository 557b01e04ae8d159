using System.CommandLine;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo clone SRC DST [--linked]</c> (virt-clone).</summary>
internal static class CloneCommand
{
    public static Command Create(CliApp app)
    {
        var source = new Argument<string>("SRC") { Description = "The VM to clone (must be stopped)" };
        var target = new Argument<string>("DST") { Description = "Name of the new VM" };
        var linked = new Option<bool>("--linked") { Description = "Thin qcow2 overlays on SRC's volumes instead of full copies (SRC's volumes become read-only bases)" };
        var pool = new Option<string>("--pool") { Description = "Pool for the new volumes (default: each source volume's pool; default for disks given by path)", HelpName = "POOL" };
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("clone", "Copy a stopped VM under a new name, fully or as a linked clone",
            """
            Like virt-clone, plus linked clones as Proxmox makes them from templates. DST gets a new UUID and new MAC
            addresses; every writable disk becomes a new volume: a full copy (sparse, same format; disks given by
            path are copied into a pool), or with --linked a qcow2 overlay whose backing file is SRC's volume (made
            in milliseconds, using space only for what DST changes). Read-only disks and CD-ROMs are shared.
            After a linked clone, SRC's volumes are bases: Vireo refuses to start SRC with them writable, and refuses
            to delete them while a clone depends on them. Make another linked clone to keep working from SRC.
            A clone shows progress; Ctrl+C cancels it and removes the volumes made so far. With -o json: the new
            VM's VmInfo.
            Exit status 2 for bad input (DST exists, SRC running, a path disk with --linked): nothing changes.
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
            var vm = VireoClient.VmResult(done);
            if (parse.GetValue(output) == OutputFormat.Json && vm is not null)
                OutputFormat.WriteJson(app.Env, vm, VireoJsonContext.Default.VmInfo);
            else
                app.Env.Out.WriteLine($"VM {request.Name} cloned from {parse.GetValue(source)} ({(request.Linked ? "linked" : "full copy")})");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

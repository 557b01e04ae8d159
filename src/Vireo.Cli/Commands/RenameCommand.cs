using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo rename NAME NEW</c> (virsh domrename).</summary>
internal static class RenameCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var newName = Arg.Name("NEW", "The VM's new name (letters, digits, \".\", \"_\" or \"-\")");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("rename", "Rename a stopped VM",
            """
            Like `virsh domrename`: the VM keeps its UUID, MACs, disks and snapshots and gets a new name. Its port
            forwards and DHCP reservations follow it, and the DHCP server hands out the new name. For an image VM
            the guest's hostname (vireo.hostname= on the kernel command line) follows too, from the next boot; a
            hostname set by hand to something else is kept. Everything that names the VM changes in one transaction.
            Volumes keep their names (web1-root.qcow2 stays web1-root.qcow2): they are named in the spec, and other
            VMs or volumes may refer to them. Backups made before stay in the directory named after the old name,
            so an incremental backup of the renamed VM needs a full one under the new name first.
            Refused while the VM has a QEMU process (exit status 4: shut it down first), and for a new name that is
            invalid or already a VM's (exit status 2); nothing changes then. With -o json: the renamed VM's VmInfo.
            """,
            "vireo rename web1 web-old",
            "vireo shutdown db && vireo rename db db-2023 && vireo start db-2023");
        command.Add(name);
        command.Add(newName);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var info = await client.RenameVmAsync(parse.GetValue(name)!, parse.GetValue(newName)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.VmInfo);
            else
                app.Env.Out.WriteLine($"VM {parse.GetValue(name)} renamed to {info.Name} (UUID {info.Uuid}; volumes keep their names)");
            return ExitCodes.Ok;
        }));
        return command;
    }
}

using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo import-libvirt FILE.xml</c>: a libvirt domain XML into a Vireo spec.</summary>
internal static class ImportLibvirtCommand
{
    public static Command Create(CliApp app)
    {
        var file = Arg.Path("FILE", "A libvirt domain XML (what virsh dumpxml prints), or - for stdin");
        var dryRun = Opt.Flag("--dry-run", "Print the spec and what it does not carry; define nothing");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("import-libvirt", "Define a VM from a libvirt domain XML",
            """
            Moving in from libvirt: vireod turns the domain XML into a Vireo spec (memory and max memory, vCPUs,
            machine type, CPU mode, direct kernel boot, boot order, file disks with their formats, buses, cache, io
            and discard, CD-ROM drives, NICs on networks, bridges or user-mode networking with their MACs, models and
            link state, VNC, the serial console, on_crash, name, UUID and description) and defines it like
            `vireo define`. Every element or attribute the spec does not carry is listed with its location
            (domain/devices/disk[2]/driver@io) and the reason, as a warning: "handled by Vireo itself" (controllers,
            balloon, RNG, PS/2 input...) or "not mapped" (UEFI firmware, SPICE, sound, the guest agent channel,
            host devices, block and network disks...). Nothing is dropped silently.
            With --dry-run nothing is defined: the spec is printed as YAML, followed by the list as YAML comments, so
            that the output can be saved, edited and given to `vireo define`. The disk images stay where they are;
            the VM uses them in place. Vireo never probes image
            formats: a disk without <driver type='raw|qcow2'> is refused, as are XML with a DTD, a document that
            is not a <domain>, and one without a <name> (exit status 2, each problem with its element).
            With -o json: the API's LibvirtImportResult (spec, yaml, unmapped, defined, vm).
            """,
            "vireo import-libvirt debian12.xml --dry-run > debian12.yaml",
            "virsh dumpxml debian12 | vireo import-libvirt -",
            "vireo import-libvirt /etc/libvirt/qemu/db1.xml -o json");
        command.Add(file);
        command.Add(dryRun);
        command.Add(output);
        command.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            string path = parse.GetValue(file)!;
            string xml = await FileErrors.ReadTextAsync(app.Env, path, "domain XML file", ct).ConfigureAwait(false);
            return await app.WithClientAsync(parse, ct, async client =>
            {
                var dry = parse.GetValue(dryRun);
                var result = await client.ImportLibvirtAsync(xml, dry, ct).ConfigureAwait(false);
                if (parse.GetValue(output) == OutputFormat.Json)
                {
                    OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.LibvirtImportResult);
                    return ExitCodes.Ok;
                }
                if (dry)
                {
                    app.Env.Out.Write(result.Yaml);
                    if (result.Unmapped.Count > 0)
                    {
                        app.Env.Out.WriteLine("# Not carried over from the libvirt domain:");
                        foreach (var u in result.Unmapped)
                            app.Env.Out.WriteLine($"#   {u.Element}: {u.Reason}");
                    }
                    return ExitCodes.Ok;
                }
                foreach (var u in result.Unmapped)
                    app.Env.Error.WriteLine($"warning: {u.Element}: {u.Reason}");
                app.Env.Out.WriteLine($"VM '{result.Vm?.Name ?? result.Spec.Name}' defined (uuid {result.Vm?.Uuid}) from the libvirt domain"
                    + (result.Unmapped.Count > 0 ? $"; {result.Unmapped.Count} settings not carried over (listed above)." : "."));
                return ExitCodes.Ok;
            }).ConfigureAwait(false);
        }));
        return command;
    }
}

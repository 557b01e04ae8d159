using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo define FILE</c>, <c>vireo dumpspec NAME</c>, <c>vireo undefine NAME</c>.</summary>
internal static class DefineCommand
{
    public static Command Create(CliApp app)
    {
        var file = Arg.Path("FILE", "Spec file (.yaml/.yml or .json), or - for stdin (YAML or JSON)");
        var command = app.Docs.Create("define", "Define a VM from a spec file",
            """
            Sends the file's text to vireod, which validates it and stores it; nothing is started. The content type
            is application/json for a .json file and application/yaml otherwise (JSON is valid YAML, so stdin is
            sent as YAML). An invalid spec is refused with every problem listed, one per line, and exit status 2.
            The spec format is described in docs/vm-spec.md; `vireo dumpspec` prints a defined VM's spec.
            """,
            "vireo define web1.yaml",
            "vireo define spec.json",
            "curl -s https://example.org/vm.yaml | vireo define -");
        command.Add(file);
        command.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            string path = parse.GetValue(file)!;
            string text = await FileErrors.ReadTextAsync(app.Env, path, "spec file", ct).ConfigureAwait(false);
            string contentType = ContentTypeFor(path);
            return await app.WithClientAsync(parse, ct, async client =>
            {
                var vm = await client.DefineVmAsync(text, contentType, ct).ConfigureAwait(false);
                app.Env.Out.WriteLine($"VM '{vm.Name}' defined (uuid {vm.Uuid}).");
                return ExitCodes.Ok;
            }).ConfigureAwait(false);
        }));
        return command;
    }

    public static Command CreateDumpSpec(CliApp app)
    {
        var name = VmArgument.Create();
        var command = app.Docs.Create("dumpspec", "Print a VM's stored spec as YAML",
            """
            Like `virsh dumpxml`: prints the definition vireod stored (with the UUID and MACs it generated), ready
            to be edited and given back to `vireo define`.
            """,
            "vireo dumpspec web1 > web1.yaml");
        command.Add(name);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            string yaml = await client.GetSpecYamlAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            app.Env.Out.Write(yaml.EndsWith('\n') ? yaml : yaml + "\n");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command CreateUndefine(CliApp app)
    {
        var name = VmArgument.Create();
        var removeAll = Opt.Flag("--remove-all-storage", "Also delete the VM's own volumes (never shared ones: read-only bases, volumes other VMs use or that others are layered on, images outside the pools)");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("undefine", "Remove a stopped VM's definition",
            """
            Deletes the VM's definition, its snapshot records and its serial log; its port forwards and DHCP
            reservations go with it. A VM that has a QEMU process is refused (exit status 4): stop it first with
            `vireo shutdown` or `vireo destroy`. Disk images stay, unless --remove-all-storage is given.
            --remove-all-storage, like virsh's, also deletes the VM's own volumes: a volume is its own when it is a
            writable disk in a storage pool that no other VM uses and on which no other volume is layered. Kept, each
            with the reason: read-only bases (of linked clones), read-only disks, CD-ROM media, images outside the
            pools, volumes another VM uses or that others are layered on. The base under a deleted overlay stays in
            the pool, listed by `vireo vol list`, and can then be deleted with `vireo vol delete`.
            The definition goes first, then the volumes: if a volume cannot be deleted, the VM is gone, the volume is
            left as it was and the output says so (exit status 1). With -o json: the API's UndefineResult.
            """,
            "vireo undefine web1",
            "vireo destroy web1 && vireo undefine web1",
            "vireo undefine web2 --remove-all-storage");
        command.Add(name);
        command.Add(removeAll);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var result = await client.UndefineAsync(parse.GetValue(name)!, parse.GetValue(removeAll), ct).ConfigureAwait(false);
            // An older vireod answers without storage (and a missing list may read as null).
            var storage = result.Storage ?? [];
            var failed = storage.Any(s => !s.Removed && s.Reason?.StartsWith("could not be removed", StringComparison.Ordinal) == true);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.UndefineResult);
                return failed ? ExitCodes.Failed : ExitCodes.Ok;
            }
            app.Env.Out.WriteLine($"VM {result.Name} undefined");
            foreach (var s in storage.Where(s => s.Removed))
                app.Env.Out.WriteLine($"  removed  {s.Volume} ({s.Path})");
            foreach (var s in storage.Where(s => !s.Removed))
                app.Env.Out.WriteLine($"  kept     {s.Volume ?? s.Path}: {s.Reason}");
            return failed ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }

    internal static string ContentTypeFor(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/yaml";
}

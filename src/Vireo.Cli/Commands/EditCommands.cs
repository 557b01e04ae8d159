using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo edit NAME</c> (virsh edit) and <c>vireo set NAME --memory ...</c> (virsh setmem/setvcpus, qm set).</summary>
internal static class EditCommands
{
    public static Command Edit(CliApp app)
    {
        var name = VmArgument.Create();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("edit", "Edit a VM's definition in $EDITOR",
            """
            Like `virsh edit`: opens the VM's spec (the YAML of `vireo dumpspec`; for a running VM with pending
            changes, the definition it gets at its next start) in $VISUAL, else $EDITOR, else vi. When the editor
            exits, the spec is checked as at define and what changes is shown. An invalid spec changes nothing:
            every problem is listed and, on a terminal, you are asked whether to edit it again (your text is kept);
            without a terminal to ask on, vireo exits 2 and says where your text was saved. The name and UUID cannot
            change here (see vireo rename).
            On a running VM each change is applied live where QEMU can: memory through the balloon up to the memory
            it started with (max_memory), more vCPUs by hot-plug up to max_vcpus, and description, autostart and
            on_crash at once. Everything else (disks, NICs, machine, boot, fewer vCPUs, a higher max_memory...) is
            kept as a pending change, shown by `vireo info` under "Pending", and takes effect at the next start.
            The edit is sent with the revision it started from: if someone changed the VM meanwhile, nothing is
            overwritten; vireo exits 4 and keeps your text (edit again to start from their change).
            Saving the file unchanged, or empty, changes nothing. With -o json: the API's EditResult.
            """,
            "vireo edit web1",
            "EDITOR=nano vireo edit db");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = parse.GetValue(name)!;
            var (original, revision) = await client.GetDefinitionAsync(vm, ct).ConfigureAwait(false);
            // vi on a pipe waits forever for keys that never come: without a terminal, an editor must be named.
            if (!app.Env.StdinIsTerminal && EditorVariable(app.Env) is null)
                throw new CliUsageException(
                    $"vireo edit runs vi, which needs a terminal, and stdin is not one. Run it on a terminal, or set EDITOR to a command that edits the file without one (EDITOR=\"sed -i s/old/new/\"); single settings change with: vireo set {vm}");
            var dir = Directory.CreateTempSubdirectory("vireo-edit-");
            var file = Path.Combine(dir.FullName, vm + ".yaml");
            var keep = false;
            try
            {
                File.WriteAllText(file, original);
                while (true)
                {
                    var editor = RunEditor(app.Env, file);
                    if (editor != 0)
                    {
                        app.Env.Error.WriteLine($"error: the editor exited with status {editor}; nothing was changed");
                        return ExitCodes.Failed;
                    }
                    var text = File.ReadAllText(file);
                    if (text == original || string.IsNullOrWhiteSpace(text))
                    {
                        app.Env.Out.WriteLine(string.IsNullOrWhiteSpace(text)
                            ? $"The spec is empty: VM {vm} not changed."
                            : $"No changes: VM {vm} not changed.");
                        return ExitCodes.Ok;
                    }
                    try
                    {
                        var result = await client.EditSpecAsync(vm, text, revision, false, ct).ConfigureAwait(false);
                        WriteResult(app, result, parse.GetValue(output));
                        return ExitCodes.Ok;
                    }
                    catch (VireoApiException e) when (e.Error.Code == ErrorCodes.Invalid)
                    {
                        ErrorPrinter.WriteApiError(app.Env.Error, e.Error);
                        if (!app.Env.StdinIsTerminal || !app.Env.StderrIsTerminal || !AskAgain(app.Env))
                        {
                            keep = true;
                            app.Env.Error.WriteLine($"Nothing was changed. Your edit is saved in {file}; fix it and load it with: vireo edit {vm} (or diff it against vireo dumpspec {vm})");
                            return ExitCodes.Usage;
                        }
                    }
                    catch (VireoApiException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
                    {
                        keep = true;
                        ErrorPrinter.WriteApiError(app.Env.Error, e.Error,
                            $"Your edit is saved in {file}. Run vireo edit {vm} again to start from the current definition.");
                        return ExitCodes.Conflict;
                    }
                }
            }
            finally
            {
                if (!keep)
                    dir.Delete(recursive: true);
            }
        }));
        return command;
    }

    public static Command Set(CliApp app)
    {
        var name = VmArgument.Create();
        var memory = Opt.SizeMiB("--memory", "Memory: MiB (2048) or with a unit (512M, 2G); live through the balloon up to max_memory");
        var maxMemory = Opt.SizeMiB("--max-memory", "Most memory a running VM can be given live (from the next start)");
        var vcpus = Opt.Integer("--vcpus", "Virtual CPUs; more are hot-plugged live up to max_vcpus, fewer at the next start", 1, 1024, "N", "vCPUs");
        var maxVcpus = Opt.Integer("--max-vcpus", "Most vCPUs a running VM can be given by hot-plug (from the next start)", 1, 1024, "N", "vCPUs");
        var autostart = Opt.OnOff("--autostart", "Start the VM whenever vireod starts");
        var onCrash = Opt.Choice("--on-crash", "When the guest crashes: destroy (keep it stopped), restart, preserve (keep QEMU paused for inspection)",
            "destroy", "restart", "preserve");
        var description = Opt.Text("--description", "Free text shown by vireo info; \"\" removes it", "TEXT", allowEmpty: true);
        var dryRun = Opt.Flag("--dry-run", "Check the change and show what it would do; change nothing");
        var cloudInit = Opt.TextList(Create.CloudInitOption.Flag, "Replace the cloud-init settings (same keys as vireo create --cloud-init); the seed is rebuilt, with a new instance-id, at the next start", "SPEC");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("set", "Change single settings of a VM (memory, vCPUs, autostart, ...)",
            """
            Like `virsh setmem`/`setvcpus`/`autostart`/`desc` and Proxmox's `qm set`, in one command: each option
            replaces one field of the VM's definition, checked and applied like `vireo edit`. On a stopped VM the
            change is saved for its next start. On a running VM:
              --memory      through the balloon, live, as far as the memory it started with (max_memory; the
                            guest's driver gives memory back or takes it within seconds). Going above that is
                            pending until the next start; so is --max-memory.
              --vcpus       more vCPUs are hot-plugged live up to max_vcpus; fewer, or more than that, at the next
                            start (as is --max-vcpus).
              --autostart, --on-crash, --description   at once.
              --cloud-init  replaces the whole cloud_init (user, keys, password, host name, packages,
                            user-data, network-config); the seed is rebuilt with a new instance-id at the next
                            start, so cloud-init applies it again then.
            Raising --memory or --vcpus past a max_* you do not give raises that max too (for the next start).
            What waits for the next start is shown by `vireo info` under "Pending". --dry-run shows what would
            happen and changes nothing. With -o json: the API's EditResult.
            """,
            "vireo set web1 --memory 2G --vcpus 2",
            "vireo set web1 --max-memory 4G --max-vcpus 4   # room to grow live after the next start",
            "vireo set db --autostart on --on-crash restart",
            "vireo set web1 --memory 1G --dry-run",
            "vireo set web1 --cloud-init user=ops,ssh-key=id_ed25519.pub,hostname=web1,packages=nginx");
        command.Add(name);
        command.Add(memory);
        command.Add(maxMemory);
        command.Add(vcpus);
        command.Add(maxVcpus);
        command.Add(autostart);
        command.Add(onCrash);
        command.Add(description);
        command.Add(dryRun);
        command.Add(cloudInit);
        command.Add(output);
        command.SetAction((parse, ct) => app.GuardAsync(ct, () =>
        {
            var settings = new VmSettings
            {
                Memory = parse.GetValue(memory),
                MaxMemory = parse.GetValue(maxMemory),
                Vcpus = parse.GetValue(vcpus),
                MaxVcpus = parse.GetValue(maxVcpus),
                Autostart = parse.GetValue(autostart) switch { "on" => true, "off" => false, _ => null },
                OnCrash = parse.GetValue(onCrash) switch
                {
                    "destroy" => OnCrash.Destroy,
                    "restart" => OnCrash.Restart,
                    "preserve" => OnCrash.Preserve,
                    _ => null,
                },
                Description = parse.GetValue(description),
                CloudInit = Create.CloudInitOption.Parse(parse.GetValue(cloudInit) ?? [], app.Env.CurrentDirectory),
            };
            return app.WithClientAsync(parse, ct, async client =>
            {
                if (settings == new VmSettings())
                    throw new CliUsageException("nothing to change: give at least one of --memory, --max-memory, --vcpus, --max-vcpus, --autostart, --on-crash, --description, --cloud-init.");
                var result = await client.SetAsync(parse.GetValue(name)!, settings, null, parse.GetValue(dryRun), ct).ConfigureAwait(false);
                WriteResult(app, result, parse.GetValue(output));
                return ExitCodes.Ok;
            });
        }));
        return command;
    }

    /// <summary>The changes as a table (field, before, after, when), then the summary and what is still pending.</summary>
    private static void WriteResult(CliApp app, EditResult result, string? format)
    {
        if (format == OutputFormat.Json)
        {
            OutputFormat.WriteJson(app.Env, result, VireoJsonContext.Default.EditResult);
            return;
        }
        var console = app.Env.CreateOutConsole();
        if (result.Changes.Count > 0)
        {
            var table = new PlainTable().Column("FIELD").Column("BEFORE", wraps: true).Column("AFTER", wraps: true).Column("APPLIED").Column("NOTE", wraps: true);
            foreach (var change in result.Changes)
                table.Row(change.Field, change.From ?? "-", change.To ?? "-", Timing(change.Applied, result.DryRun), change.Note ?? "");
            table.Write(console);
        }
        var earlier = result.Pending.Where(p => result.Changes.All(c => c.Field != p.Field)).ToList();
        app.Env.Out.WriteLine($"VM {result.Name}: {result.Message}{(result.DryRun ? " (dry run: nothing changed)" : "")}.");
        foreach (var change in earlier)
            app.Env.Out.WriteLine($"  still pending: {InfoCommand.Change(change)}");
        if (result.Pending.Count > 0 && !result.DryRun)
            app.Env.Out.WriteLine($"Pending changes take effect at the next start (see vireo info {result.Name}).");
    }

    private static string Timing(ChangeTiming timing, bool dryRun) => timing switch
    {
        ChangeTiming.Live => dryRun ? "would be live" : "live",
        ChangeTiming.NextStart => "next start",
        _ => dryRun ? "would be saved" : "saved",
    };

    /// <summary>
    /// Runs $VISUAL, else $EDITOR, else vi on <paramref name="file"/>, on this terminal. The variable may hold
    /// arguments ("code --wait"), so it is run as git runs it: by /bin/sh with the file as a separate argument,
    /// never pasted into the command text.
    /// </summary>
    private static int RunEditor(CliEnvironment env, string file)
    {
        var editor = EditorVariable(env) ?? "vi";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(editor + " \"$@\"");
        start.ArgumentList.Add(editor);
        start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new CliUsageException($"cannot run the editor \"{editor}\"");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>$VISUAL, else $EDITOR, as git and virsh read them; null when neither is set.</summary>
    private static string? EditorVariable(CliEnvironment env) =>
        env.GetVariable("VISUAL") is { Length: > 0 } visual ? visual
        : env.GetVariable("EDITOR") is { Length: > 0 } editor ? editor : null;

    private static bool AskAgain(CliEnvironment env)
    {
        env.Error.Write("Edit again? [Y/n] ");
        env.Error.Flush();
        using var reader = new StreamReader(env.Stdin, leaveOpen: true);
        var answer = reader.ReadLine()?.Trim().ToLowerInvariant();
        return answer is "" or "y" or "yes";
    }
}

using System.CommandLine;
using System.Text;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo snapshot create|list|info|revert|delete VM [SNAP]</c>.</summary>
internal static class SnapshotCommand
{
    public static Command Create(CliApp app)
    {
        var snapshot = app.Docs.Create("snapshot", "Take, list, revert and delete VM snapshots",
            """
            Snapshots are qcow2 internal snapshots, what `virsh snapshot-create-as` makes by default: each is stored
            inside the VM's qcow2 disks, and qcow2 counts references to every block, so deleting a snapshot frees
            only what neither another snapshot nor the current state needs. Revert and delete are safe in any order;
            no base image is ever deleted (the data loss libvirt users met with external snapshots cannot happen).
            Kinds:
              memory     disks + RAM + device state of a running or paused VM (default when it runs). Revert
                         brings the guest back exactly where it was, running or paused, without a reboot.
              disk-only  the disks (default when the VM is stopped). Of a running VM whose guest agent answers,
                         the guest's file systems are frozen around it (guest-fsfreeze) and it says "file systems
                         frozen by the guest agent (N)"; otherwise it is crash-consistent (what the guest had not
                         written out is not in it) and says so. Revert needs the VM stopped.
            Every writable disk must be qcow2 (raw disks are refused: convert them); read-only disks and CD-ROMs
            are left out. Vireo keeps a tree: each snapshot's parent is the one that was current when it was taken;
            create and revert make a snapshot current. Deleting one moves its children up to its parent.
            """,
            "vireo snapshot create web1 before-upgrade --description 'kernel 6.1'",
            "vireo snapshot list web1 --tree",
            "vireo snapshot revert web1 before-upgrade",
            "vireo snapshot delete web1 before-upgrade");
        snapshot.Add(CreateSnapshot(app));
        snapshot.Add(List(app));
        snapshot.Add(Info(app));
        snapshot.Add(Revert(app));
        snapshot.Add(Delete(app));
        return snapshot;
    }

    private static Argument<string> SnapArgument() => Arg.Name("SNAPSHOT", "The snapshot's name (unique per VM)");

    private static Command CreateSnapshot(CliApp app)
    {
        var vm = VmArgument.Create();
        var snap = SnapArgument();
        var memory = Opt.Flag("--memory", "Include RAM and device state (default for a running or paused VM; refused when stopped)");
        var diskOnly = Opt.Flag("--disk-only", "Disks only (default for a stopped VM)");
        var description = Opt.Text("--description", "Free text shown by `vireo snapshot info`", "TEXT", allowEmpty: true);
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("create", "Take a snapshot",
            """
            Like `virsh snapshot-create-as VM SNAP`. A running VM is stopped for the moment its RAM is written (about
            as long as writing its used memory to disk takes) and resumed; a disk-only snapshot of a running VM is
            taken on every disk in one QEMU transaction (all disks at the same instant, or none). A stopped VM's
            disks are snapshotted with qemu-img; if one disk fails, the snapshots made on the others are removed.
            The new snapshot becomes current. Names follow the VM name rule and may not be all digits.
            """,
            "vireo snapshot create web1 s1",
            "vireo snapshot create web1 pre-patch --disk-only --description 'before apt upgrade'",
            "vireo snapshot create web1 s2 -o json | jq .parent");
        foreach (var symbol in new Symbol[] { vm, snap, memory, diskOnly, description, output })
            Add(command, symbol);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            if (parse.GetValue(memory) && parse.GetValue(diskOnly))
                throw new CliUsageException("--memory and --disk-only exclude each other");
            var request = new SnapshotCreateRequest
            {
                Name = parse.GetValue(snap)!,
                Kind = parse.GetValue(memory) ? SnapshotKind.Memory : parse.GetValue(diskOnly) ? SnapshotKind.Disk : null,
                Description = parse.GetValue(description),
            };
            var info = await client.CreateSnapshotAsync(parse.GetValue(vm)!, request, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.SnapshotInfo);
            else
                app.Env.Out.WriteLine($"Snapshot {info.Name} of {info.Vm} taken ({Kind(info.Kind)}, VM {Display.State(info.VmState)}" +
                    $"{(info.Parent is null ? "" : $", child of {info.Parent}")})" + (info.Consistency is null ? "" : $": {info.Consistency}"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliApp app)
    {
        var vm = VmArgument.Create();
        var tree = Opt.Flag("--tree", "Draw the snapshot tree (parent → children)");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List a VM's snapshots",
            """
            Like `virsh snapshot-list VM` (and `--tree`): oldest first, with kind, the VM's state when taken, parent
            and description; the current snapshot is marked with *. With -o json: the API's SnapshotInfo array.
            """,
            "vireo snapshot list web1", "vireo snapshot list web1 --tree",
            "vireo snapshot list web1 -o json | jq -r '.[] | select(.current) | .name'");
        foreach (var symbol in new Symbol[] { vm, tree, output })
            Add(command, symbol);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var snapshots = await client.ListSnapshotsAsync(parse.GetValue(vm)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, snapshots.ToList(), VireoJsonContext.Default.ListSnapshotInfo);
                return ExitCodes.Ok;
            }
            if (snapshots.Count == 0)
            {
                app.Env.Out.WriteLine($"VM {parse.GetValue(vm)} has no snapshots.");
                return ExitCodes.Ok;
            }
            if (parse.GetValue(tree))
            {
                app.Env.Out.Write(RenderTree(snapshots, ascii: !app.Env.StdoutIsTerminal));
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("").Column("NAME").Column("KIND").Column("VM STATE").Column("CREATED").Column("PARENT")
                .Column("DESCRIPTION", wraps: true);
            foreach (var s in snapshots)
                table.Row(s.Current ? "*" : "", s.Name, Kind(s.Kind), Display.State(s.VmState), Display.Time(s.CreatedAt),
                    s.Parent ?? "-", s.Description ?? "");
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The tree in plain text (roots first, children under their parent, oldest first); * marks current. Drawn
    /// with box-drawing characters on a terminal, with ASCII (|-- `--) in a pipe, as `tree --charset=ascii`.
    /// </summary>
    internal static string RenderTree(IReadOnlyList<SnapshotInfo> snapshots, bool ascii = false)
    {
        var (branch, lastBranch, pipe) = ascii ? ("|-- ", "`-- ", "|   ") : ("├─ ", "└─ ", "│  ");
        string blank = new(' ', pipe.Length);
        var byName = snapshots.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var text = new StringBuilder();
        void Walk(SnapshotInfo s, string indent, bool last, bool root)
        {
            var line = root ? "" : indent + (last ? lastBranch : branch);
            text.Append(line).Append(s.Name).Append(s.Current ? " *" : "")
                .Append($"  ({Kind(s.Kind)}, {Display.State(s.VmState)}, {Display.Time(s.CreatedAt)})")
                .Append(s.Description is null ? "" : $"  {s.Description}").Append('\n');
            var children = s.Children.Where(byName.ContainsKey).Select(c => byName[c]).ToList();
            var childIndent = root ? "" : indent + (last ? blank : pipe);
            for (var i = 0; i < children.Count; i++)
                Walk(children[i], childIndent, i == children.Count - 1, false);
        }
        foreach (var root in snapshots.Where(s => s.Parent is null || !byName.ContainsKey(s.Parent)))
            Walk(root, "", true, true);
        return text.ToString();
    }

    private static Command Info(CliApp app)
    {
        var vm = VmArgument.Create();
        var snap = SnapArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one snapshot",
            "Like `virsh snapshot-info`: kind, state when taken, time, parent, children, whether it is current, the\ndisks it covers and the size of its RAM image. With -o json: the API's SnapshotInfo.",
            "vireo snapshot info web1 s1", "vireo snapshot info web1 s1 -o json | jq .disks");
        foreach (var symbol in new Symbol[] { vm, snap, output })
            Add(command, symbol);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var s = await client.GetSnapshotAsync(parse.GetValue(vm)!, parse.GetValue(snap)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, s, VireoJsonContext.Default.SnapshotInfo);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            void Row(string key, string? value) => grid.Row(key, value ?? "-");
            Row("Name", s.Name);
            Row("VM", s.Vm);
            Row("Kind", Kind(s.Kind));
            Row("VM state", Display.State(s.VmState));
            Row("Created", Display.Time(s.CreatedAt));
            Row("Current", Display.YesNo(s.Current));
            Row("Parent", s.Parent);
            Row("Children", s.Children.Count == 0 ? null : string.Join(", ", s.Children));
            Row("Description", s.Description);
            if (s.VmStateSize is { } size)
                Row("RAM image", $"{size / (1024.0 * 1024):0.0} MiB");
            foreach (var d in s.Disks)
                Row("Disk", d.Path + (d.HoldsVmState ? " (holds the RAM image)" : ""));
            foreach (var path in s.ReadOnlyDisks ?? [])
                Row("Read-only disk", path + " (attached; not in the snapshot, as it cannot change)");
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revert(CliApp app)
    {
        var vm = VmArgument.Create();
        var snap = SnapArgument();
        var force = Opt.Flag("--force", "Power off a running VM to revert a disk-only snapshot (its unsaved state is lost)");
        var running = Opt.Flag("--running", "End running (a disk-only snapshot: boot the VM after the revert)");
        var paused = Opt.Flag("--paused", "End paused (memory snapshots only)");
        var command = app.Docs.Create("revert", "Revert a VM to a snapshot",
            """
            Like `virsh snapshot-revert`. The VM's current state is discarded (take a snapshot first to keep it);
            the snapshot stays and becomes current.
            A memory snapshot brings the VM back to the state it was taken in, running or paused, without a reboot:
            into the running QEMU, or into a QEMU started for the purpose if the VM is stopped. --running and
            --paused choose the end state instead.
            A disk-only snapshot replaces the disks, so the VM must be stopped: a running VM is refused (exit 4)
            unless --force powers it off first. It stays stopped unless --running boots it.
            """,
            "vireo snapshot revert web1 s1",
            "vireo snapshot revert web1 s1 --paused",
            "vireo snapshot revert web1 pre-patch --force --running");
        foreach (var symbol in new Symbol[] { vm, snap, force, running, paused })
            Add(command, symbol);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            if (parse.GetValue(running) && parse.GetValue(paused))
                throw new CliUsageException("--running and --paused exclude each other");
            var request = new SnapshotRevertRequest
            {
                Force = parse.GetValue(force),
                State = parse.GetValue(running) ? VmState.Running : parse.GetValue(paused) ? VmState.Paused : null,
            };
            var result = await client.RevertSnapshotAsync(parse.GetValue(vm)!, parse.GetValue(snap)!, request, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"VM '{result.Name}' {result.Message ?? "reverted"}; now {Display.State(result.State)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Delete(CliApp app)
    {
        var vm = VmArgument.Create();
        var snap = SnapArgument();
        var command = app.Docs.Create("delete", "Delete a snapshot",
            """
            Like `virsh snapshot-delete`: removes the snapshot from every disk that holds it (live through QEMU when
            the VM runs, with qemu-img when it is stopped). Only blocks nothing else uses are freed: other snapshots
            and the current state keep all their data. Its children move up to its parent; if it was current, its
            parent becomes current. Repeating a delete that failed half-way finishes it.
            """,
            "vireo snapshot delete web1 s1");
        foreach (var symbol in new Symbol[] { vm, snap })
            Add(command, symbol);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await client.DeleteSnapshotAsync(parse.GetValue(vm)!, parse.GetValue(snap)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Snapshot {parse.GetValue(snap)} of {parse.GetValue(vm)} deleted");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Add(Command command, Symbol symbol)
    {
        switch (symbol)
        {
            case Argument a: command.Add(a); break;
            case Option o: command.Add(o); break;
        }
    }

    internal static string Kind(SnapshotKind kind) => kind == SnapshotKind.Memory ? "memory" : "disk-only";
}

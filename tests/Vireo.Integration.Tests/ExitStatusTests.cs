using System.Text.RegularExpressions;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Against a real vireod: a representative failure of each kind on many commands exits with the same code for the
/// same kind (2 bad input, 3 not found, 4 conflict or wrong state), that code is one the command's --help lists,
/// the error is printed once under its own noun, and nothing is left behind. The CLI's table test does the same for
/// every command against a fake daemon; this one checks that vireod really answers each with that kind.
/// </summary>
public sealed partial class ExitStatusTests(ITestOutputHelper output)
{
    /// <summary>A command line, the exit code, and what the error line must say.</summary>
    private sealed record Case(string[] Args, int Exit, string Error);

    [Fact]
    public async Task The_same_kind_of_failure_exits_with_the_same_code_on_every_command_and_its_help_lists_it()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("vol", "create", "default/vm-data.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "vm", "--image", "tiny", "--memory", "128", "--disk", "vol=default/vm-data.qcow2");
        await h.VireoOk("vol", "create", "default/spare.qcow2", "--size", "16M");
        var before = await StorageKit.SnapshotAsync(h);
        var vmsBefore = (await h.VireoOk("list", "--all", "-o", "json")).Stdout;
        var networksBefore = (await h.VireoOk("net", "list", "-o", "json")).Stdout;

        Case[] cases =
        [
            // 3: the object the command acts on does not exist, whatever its kind.
            new(["info", "ghost"], 3, "VM \"ghost\" does not exist"),
            new(["start", "ghost"], 3, "VM \"ghost\" does not exist"),
            new(["dumpspec", "ghost"], 3, "VM \"ghost\" does not exist"),
            new(["net", "info", "nonet"], 3, "network \"nonet\" does not exist"),
            new(["net", "delete", "nonet"], 3, "network \"nonet\" does not exist"),
            new(["pool", "info", "nopool"], 3, "pool \"nopool\" does not exist"),
            new(["vol", "list", "nopool"], 3, "pool \"nopool\" does not exist"),
            new(["vol", "delete", "default/nothing.qcow2"], 3, "volume \"default/nothing.qcow2\" does not exist"),
            new(["snapshot", "delete", "vm", "nosnap"], 3, "snapshot \"vm/nosnap\" does not exist"),
            new(["snapshot", "info", "vm", "nosnap"], 3, "snapshot \"vm/nosnap\" does not exist"),
            new(["operation", "show", "0123456789abcdef"], 3, "operation \"0123456789abcdef\" does not exist"),
            new(["disk", "detach", "vm", "default/spare.qcow2"], 3, "disk \"vm/default/spare.qcow2\" does not exist"),
            new(["detach-interface", "vm", "--mac", "52:54:00:00:00:99"], 3, "NIC \"vm/52:54:00:00:00:99\" does not exist"),
            new(["net", "forward", "remove", "default", "--host-port", "8099"], 3, "port forward \"default 8099/tcp\" does not exist"),
            new(["restore", Path.Combine(h.StateDir, "no-backup"), "--to", Path.Combine(h.StateDir, "x.qcow2")], 3, "is not a backup"),
            // 4: the request is right, but the name is taken or the object's state forbids it.
            new(["create", "--name", "vm", "--image", "tiny", "--memory", "128"], 4, "a VM named \"vm\" already exists"),
            new(["clone", "vm", "vm"], 4, "a VM named \"vm\" already exists"),
            new(["net", "create", "default"], 4, "network \"default\" already exists"),
            new(["vol", "create", "default/spare.qcow2", "--size", "16M"], 4, "volume \"default/spare.qcow2\" already exists"),
            new(["vol", "delete", "default/vm-data.qcow2"], 4, "is used by VM vm"),
            new(["destroy", "vm"], 4, "VM \"vm\" is not running"),
            new(["resume", "vm"], 4, "VM \"vm\" is not running"),
            new(["console", "vm"], 4, "VM \"vm\" is not running"),
            // 2: the request itself is wrong, including a name inside it that does not exist (fixed by changing it).
            // (Malformed values such as --size abc or --host-port 70000 never reach vireod: the CLI refuses them
            // naming the option, see tests/Vireo.Cli.Tests/BadValueTable.cs. These are well-formed and still wrong.)
            new(["vol", "create", "default/new.raw", "--size", "16M", "--format", "raw", "--prealloc", "metadata"], 2, "invalid volume: preallocation: \"metadata\""),
            new(["net", "create", "lab", "--subnet", "10.1.2.0/33"], 2, "invalid network: subnet: \"10.1.2.0/33\""),
            new(["net", "forward", "add", "default", "--host-port", "8080", "--to", "vm:80", "--host-address", "300.1.2.3"], 2, "invalid port forward: host_address: \"300.1.2.3\""),
            new(["net", "forward", "add", "default", "--host-port", "8080", "--to", "ghost:80"], 2, "invalid port forward: vm: \"ghost\" is not a defined VM"),
            new(["snapshot", "create", "vm", "../x"], 2, "invalid snapshot name: \"../x\""),
            new(["create", "--name", "lost", "--image", "tiny", "--memory", "128", "--network", "network=nonet"], 2, "invalid VM spec: nics[0].network: \"nonet\" is not a network"),
            new(["clone", "vm", "bad/name"], 2, "invalid clone: name: \"bad/name\""),
            new(["clone", "vm", "copy", "--pool", "nopool"], 2, "invalid clone: pool: \"nopool\" is not a storage pool"),
            new(["backup", "vm", "--to", Path.Combine(h.StateDir, "vireo.db")], 2, "invalid backup: target: \"" + Path.Combine(h.StateDir, "vireo.db") + "\" is a file, not a directory"),
        ];

        var failures = new List<string>();
        var helps = new Dictionary<string, string>();
        foreach (var c in cases)
        {
            var result = await h.Vireo(c.Args);
            var line = $"vireo {string.Join(' ', c.Args)} -> {result.ExitCode}\n{result.Stderr}";
            output.WriteLine(line);
            var command = CommandPath(c.Args);
            if (!helps.TryGetValue(command, out var help))
                helps[command] = help = (await h.VireoOk([.. command.Split(' '), "--help"])).Stdout;
            if (result.ExitCode != c.Exit)
                failures.Add($"exit {result.ExitCode}, expected {c.Exit}: {line}");
            if (!ListedCodes(help).Contains(result.ExitCode))
                failures.Add($"vireo {command} --help does not list exit {result.ExitCode}: {line}");
            var errors = result.Stderr.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
            if (errors.Count != 1 || !errors[0].Contains(c.Error, StringComparison.Ordinal))
                failures.Add($"not one error line saying '{c.Error}': {line}");
            if (result.Stderr.Split('\n').Count(l => l.StartsWith("hint: ", StringComparison.Ordinal)) > 1)
                failures.Add($"more than one hint: {line}");
            if (MessageSyntax().IsMatch(string.Join('\n', errors)))
                failures.Add($"the error line names a command; that belongs in the hint: {line}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        Assert.Equal(before, await StorageKit.SnapshotAsync(h));
        Assert.Equal(vmsBefore, (await h.VireoOk("list", "--all", "-o", "json")).Stdout);
        Assert.Equal(networksBefore, (await h.VireoOk("net", "list", "-o", "json")).Stdout);
    }

    /// <summary>The command words of a command line ("net forward add"), without its arguments.</summary>
    private static string CommandPath(string[] args)
    {
        var groups = new HashSet<string> { "net", "pool", "vol", "operation", "disk", "cdrom", "snapshot", "host", "forward" };
        var words = new List<string> { args[0] };
        for (var i = 1; i < args.Length && groups.Contains(args[i - 1]); i++)
            words.Add(args[i]);
        return string.Join(' ', words);
    }

    private static HashSet<int> ListedCodes(string help)
    {
        var section = help[help.IndexOf("Exit status:", StringComparison.Ordinal)..];
        return CodeLine().Matches(section).Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
    }

    [GeneratedRegex(@"^  (\d+) +\S", RegexOptions.Multiline)]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"`|\bvireo [a-z]|\s--[a-z]")]
    private static partial Regex MessageSyntax();
}

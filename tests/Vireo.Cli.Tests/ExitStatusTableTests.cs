using System.CommandLine;
using System.Text.RegularExpressions;
using Vireo.Cli.Help;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>
/// The exit-status table: for every command, each kind of API error the fake daemon can answer gives the same exit
/// code as on every other command, the error is printed once, every code the command's --help lists can be
/// provoked, and every failure kind the help documents exits with the code the help states for it.
/// </summary>
public sealed partial class ExitStatusTableTests : FakeDaemonTest
{
    /// <summary>The rule, written out here so that a change in ExitCodes.ForApiError fails this test.</summary>
    private static readonly (string Code, int Status, int Exit)[] Kinds =
    [
        (ErrorCodes.Invalid, 400, 2),
        (ErrorCodes.NotFound, 404, 3),
        (ErrorCodes.AlreadyExists, 409, 4),
        (ErrorCodes.InvalidState, 409, 4),
        (ErrorCodes.Busy, 409, 4),
        (ErrorCodes.QemuError, 502, 1),
        (ErrorCodes.Timeout, 504, 1),
        (ErrorCodes.Internal, 500, 1),
        (ErrorCodes.HostError, 500, 1),
        (StorageErrorCodes.NoSpace, 507, 1),
        (ErrorCodes.Unavailable, 503, 5),
        (ErrorCodes.Stale, 412, 4),
        (ErrorCodes.Unauthorized, 401, 5),
        (ErrorCodes.Forbidden, 403, 5),
        (ErrorCodes.RateLimited, 429, 5),
    ];

    /// <summary>A well-formed command line for each command: it parses and reaches vireod.</summary>
    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["list"] = ["list", "--all"],
        ["info"] = ["info", "web1"],
        ["create"] = ["create", "--name", "new1", "--image", "tiny"],
        ["define"] = ["define", SpecFile],
        ["import-libvirt"] = ["import-libvirt", SpecFile],
        ["dumpspec"] = ["dumpspec", "web1"],
        ["edit"] = ["edit", "web1"],
        ["set"] = ["set", "web1", "--memory", "1G"],
        ["undefine"] = ["undefine", "db1"],
        ["rename"] = ["rename", "db1", "db2"],
        ["start"] = ["start", "db1"],
        ["shutdown"] = ["shutdown", "web1", "--timeout", "5"],
        ["destroy"] = ["destroy", "web1"],
        ["reboot"] = ["reboot", "web1"],
        ["reset"] = ["reset", "web1"],
        ["suspend"] = ["suspend", "web1"],
        ["resume"] = ["resume", "web1"],
        ["console"] = ["console", "web1"],
        ["logs"] = ["logs", "web1"],
        ["ip"] = ["ip", "web1"],
        ["vncdisplay"] = ["vncdisplay", "web1"],
        ["attach-interface"] = ["attach-interface", "web1", "--network", "network=default"],
        ["detach-interface"] = ["detach-interface", "web1", "--mac", "52:54:00:12:34:56"],
        ["domif-setlink"] = ["domif-setlink", "web1", "52:54:00:12:34:56", "down"],
        ["net list"] = ["net", "list"],
        ["net info"] = ["net", "info", "default"],
        ["net create"] = ["net", "create", "lab", "--subnet", "10.10.0.0/24"],
        ["net delete"] = ["net", "delete", "lab"],
        ["net start"] = ["net", "start", "lab"],
        ["net stop"] = ["net", "stop", "lab"],
        ["net forward add"] = ["net", "forward", "add", "default", "--host-port", "8080", "--to", "web1:80"],
        ["net forward list"] = ["net", "forward", "list", "default"],
        ["net forward remove"] = ["net", "forward", "remove", "default", "--host-port", "8080"],
        ["net reserve"] = ["net", "reserve", "default", "web1", "192.168.122.50"],
        ["net unreserve"] = ["net", "unreserve", "default", "web1"],
        ["net doctor"] = ["net", "doctor"],
        ["net bridge-uplink"] = ["net", "bridge-uplink", "br0", "--from", "eth0"],
        ["os list"] = ["os", "list", "--family", "linux"],
        ["os info"] = ["os", "info", "debian12"],
        ["image list"] = ["image", "list"],
        ["image info"] = ["image", "info", "debian-12"],
        ["image import"] = ["image", "import", "disk.vmdk", "--name", "legacy", "--os", "debian12"],
        ["image delete"] = ["image", "delete", "legacy"],
        ["image build"] = ["image", "build", "debian-12"],
        ["pool list"] = ["pool", "list"],
        ["pool info"] = ["pool", "info", "default"],
        ["pool create"] = ["pool", "create", "fast", "--path", "/srv/fast"],
        ["pool delete"] = ["pool", "delete", "fast"],
        ["vol list"] = ["vol", "list", "default"],
        ["vol info"] = ["vol", "info", "default/data.qcow2"],
        ["vol create"] = ["vol", "create", "default/data.qcow2", "--size", "1G"],
        ["vol resize"] = ["vol", "resize", "default/data.qcow2", "2G"],
        ["vol delete"] = ["vol", "delete", "default/data.qcow2"],
        ["vol import"] = ["vol", "import", "default/in.raw", "--from", "/tmp/in.raw", "--source-format", "raw"],
        ["vol upload"] = ["vol", "upload", "default/up.raw", "/etc/hostname", "--format", "raw"],
        ["vol download"] = ["vol", "download", "default/data.qcow2", "/tmp/vireo-exit-status-sample.qcow2"],
        ["vol convert"] = ["vol", "convert", "default/a.raw", "default/a.qcow2", "--format", "qcow2"],
        ["vol clone"] = ["vol", "clone", "default/a.qcow2", "default/b.qcow2"],
        ["operation list"] = ["operation", "list"],
        ["operation show"] = ["operation", "show", "3f2a9c0d51e84b7a"],
        ["operation wait"] = ["operation", "wait", "3f2a9c0d51e84b7a"],
        ["operation cancel"] = ["operation", "cancel", "3f2a9c0d51e84b7a"],
        ["disk attach"] = ["disk", "attach", "web1", "default/data.qcow2"],
        ["disk detach"] = ["disk", "detach", "web1", "default/data.qcow2"],
        ["disk list"] = ["disk", "list", "web1"],
        ["cdrom insert"] = ["cdrom", "insert", "web1", "/tmp/x.iso"],
        ["cdrom eject"] = ["cdrom", "eject", "web1"],
        ["clone"] = ["clone", "db1", "db2"],
        ["snapshot create"] = ["snapshot", "create", "web1", "s1"],
        ["snapshot list"] = ["snapshot", "list", "web1"],
        ["snapshot info"] = ["snapshot", "info", "web1", "s1"],
        ["snapshot revert"] = ["snapshot", "revert", "web1", "s1"],
        ["snapshot delete"] = ["snapshot", "delete", "web1", "s1"],
        ["backup"] = ["backup", "web1", "--to", "/srv/backups"],
        ["backups"] = ["backups", "/srv/backups"],
        ["restore"] = ["restore", "/srv/backups/web1/20261124T201655123Z", "--to", "/tmp/restored.qcow2"],
        ["top"] = ["top", "--batch", "--iterations", "1", "--delay", "0.1"],
        ["events"] = ["events", "--vm", "web1"],
        ["domstats"] = ["domstats", "web1"],
        ["host check"] = ["host", "check"],
        ["version"] = ["version"],
        ["agent ping"] = ["agent", "ping", "web1"],
        ["agent info"] = ["agent", "info", "web1"],
        ["exec"] = ["exec", "web1", "cat", "/etc/hostname"],
        ["set-user-password"] = ["set-user-password", "web1", "ops", "--password-stdin"],
        ["remote add"] = ["remote", "add", "lab", "https://127.0.0.1:1"],
        ["remote list"] = ["remote", "list"],
        ["remote remove"] = ["remote", "remove", "lab"],
        ["remote switch"] = ["remote", "switch", "lab"],
        ["remote show"] = ["remote", "show"],
        ["host info"] = ["host", "info"],
        ["token create"] = ["token", "create", "--role", "viewer", "--expires", "30d"],
        ["token list"] = ["token", "list"],
        ["token revoke"] = ["token", "revoke", "1e171557a5122ef3"],
        ["audit"] = ["audit", "--limit", "10"],
    };

    private const string SpecFile = "/tmp/vireo-exit-table-spec.yaml";

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var path in Walk(Root()).Where(c => c.Subcommands.Count == 0).Select(ExitStatus.PathOf))
            data.Add(path);
        return data;
    }

    [Fact]
    public void Every_command_has_an_exit_status_entry_and_a_sample()
    {
        var all = Walk(Root()).Select(ExitStatus.PathOf).Where(p => p.Length > 0).ToHashSet();
        Assert.Equal(all.Order(), ExitStatus.Commands.Keys.Order());
        Assert.Equal(Walk(Root()).Where(c => c.Subcommands.Count == 0).Select(ExitStatus.PathOf).Order(), Samples.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Each_failure_exits_with_the_same_code_everywhere_and_as_the_help_says(string path)
    {
        await File.WriteAllTextAsync(SpecFile, "name: new1\nimage: tiny\n");
        var help = await CliRunner.RunAsync(null, [.. path.Split(' '), "--help"]);
        var listed = ListedCodes(help.Stdout);
        var reasons = ExitStatus.ReasonsOf(path);
        Assert.Equal(reasons.Select(r => r.Code).Append(0).Distinct().Order(), listed.Order());
        var provoked = new HashSet<int> { 0 };
        if (ExitStatus.RemotesFileOnly.Contains(path))
        {
            // These never ask the local vireod, so its failures cannot reach them: bad usage here; the codes of
            // the remotes file and of a remote's refusals in RemoteCliTests (unit) and RemoteDaemonTests (a real vireod).
            Assert.Equal(2, (await Vireo([.. Samples[path], "--no-such-flag"])).ExitCode);
            return;
        }

        foreach (var (code, status, exit) in Kinds)
        {
            Daemon.FailAll(status, new ApiError { Status = status, Code = code, Title = "t", Detail = $"detail of {code}", Hint = "what to do" });
            var result = await Vireo(Samples[path]);
            var because = $"vireo {string.Join(' ', Samples[path])} answered {code}:\n{result.Stderr}";
            Assert.True(exit == result.ExitCode, $"exit {result.ExitCode}, not {exit}: {because}");
            Assert.True(Lines(result.Stderr, "error: ") == 1, $"the error is not printed once: {because}");
            Assert.True(Lines(result.Stderr, "hint: ") == 1, $"the hint is not printed once: {because}");
            if (reasons.Any(r => r.ApiCodes.Contains(code)))
            {
                Assert.True(listed.Contains(exit), $"the help of vireo {path} documents {code} but does not list exit {exit}");
                provoked.Add(exit);
            }
        }
        Daemon.FailAll(0, null);

        // The reasons with no API code of their own: bad usage, vireod unreachable, a host check FAIL.
        var usage = await Vireo([.. Samples[path], "--no-such-flag"]);
        Assert.Equal(2, usage.ExitCode);
        provoked.Add(usage.ExitCode);
        var unreachable = await CliRunner.RunAsync($"/tmp/vireo-exit-table-{Guid.NewGuid():N}.sock", Samples[path]);
        if (ExitStatus.WithoutDaemon.Contains(path))
        {
            Assert.NotEqual(5, unreachable.ExitCode); // it checks this machine itself
        }
        else
        {
            Assert.Equal(5, unreachable.ExitCode);
            provoked.Add(unreachable.ExitCode);
        }
        if (path == "host check")
        {
            Daemon.HostCheck = Canned.HostCheck(CheckStatus.Fail);
            Assert.Equal(1, (await Vireo(Samples[path])).ExitCode);
        }

        Assert.True(listed.All(provoked.Contains),
            $"vireo {path} --help lists {string.Join(", ", listed.Except(provoked))}, which no failure it documents gives");
    }

    /// <summary>The codes under "Exit status:" (130, 141 and 143, the signals', left out).</summary>
    private static List<int> ListedCodes(string help)
    {
        var section = help[help.IndexOf("Exit status:", StringComparison.Ordinal)..];
        return CodeLine().Matches(section).Select(m => int.Parse(m.Groups[1].Value)).Where(c => c < 128).ToList();
    }

    private static int Lines(string text, string prefix) =>
        text.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static RootCommand Root() => new CliApp(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null)).BuildRoot();

    private static IEnumerable<Command> Walk(Command command) =>
        command.Subcommands.SelectMany(Walk).Prepend(command);

    [GeneratedRegex(@"^  (\d+) +\S", RegexOptions.Multiline)]
    private static partial Regex CodeLine();
}

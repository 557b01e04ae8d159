using System.Diagnostics;
using System.Globalization;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Issue 18, crash safety: vireod is killed with SIGKILL (by itself, VIREO_TEST_CRASH_AT, Vireo.Host.CrashPoints)
/// at each step of each operation, started again without the hook, and <see cref="CrashCheck"/> checks the store,
/// the QEMU processes, taps, bridges, dnsmasq, nftables and files; the interrupted operation must be listed by
/// <c>vireo operation list</c> as completed or rolled back.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Crash point, operation (a scenario below), the journal kind the operation is reported under. CI runs one
    /// point of each operation (about 3.5 minutes); VIREO_LONG=1 adds the other points of the same operations, and a
    /// live backup.
    /// </summary>
    public static TheoryData<string, string, string> Points
    {
        get
        {
            var rows = new TheoryData<string, string, string>
            {
                { "define.inserted", "define", "define" },
                { "start.qemu-launched", "start", "start" },
                { "shutdown.requested", "shutdown", "shutdown" },
                { "reboot.requested", "reboot", "reboot" },
                { "disk-attach.device-added", "disk-attach", "change-devices" },
                { "nic-attach.netdev-added", "nic-attach", "change-devices" },
                { "snapshot-create.disks-done", "snapshot-create", "snapshot" },
                { "snapshot-revert.disk-applied", "snapshot-revert", "snapshot" },
                { "snapshot-delete.disks-done", "snapshot-delete", "snapshot" },
                { "clone.volume-copied", "clone", "clone" },
                { "volume.renamed", "vol-create", "volume-create" },
                { "volume.renamed", "vol-convert", "volume-convert" },
                { "backup.manifest-written", "backup", "backup" },
                { "network-start.bridge-made", "net-create", "network-create" },
                { "network-start.dnsmasq-started", "net-start", "network-start" },
                { "forward-add.inserted", "forward-add", "forward-add" },
                { "clone-linked.files-made", "clone-linked", "clone" },
                { "volume-delete.row-deleted", "vol-delete", "volume-delete" },
            };
            if (Environment.GetEnvironmentVariable("VIREO_LONG") == "1")
            {
                rows.Add("define.validated", "define", "define");
                rows.Add("start.prepared", "start", "start");
                rows.Add("start.before-cont", "start", "start");
                rows.Add("disk-attach.blockdev-added", "disk-attach", "change-devices");
                rows.Add("nic-attach.device-added", "nic-attach", "change-devices");
                rows.Add("clone.defined", "clone", "clone");
                rows.Add("volume.file-made", "vol-create", "volume-create");
                rows.Add("volume.renamed", "vol-clone", "volume-clone");
                rows.Add("backup.disks-copied", "backup", "backup");
                rows.Add("network-create.inserted", "net-create", "network-create");
                rows.Add("snapshot-revert.memory-load", "snapshot-revert-memory", "snapshot");
                rows.Add("backup.disks-copied", "backup-live", "backup");
            }
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(Points))]
    [Trait("Category", "Reliability")]
    public async Task Vireod_killed_at_a_step_comes_back_consistent_and_settles_the_operation(string point, string operation, string kind)
    {
        // Armed from the start: the Nth hit of the point is the operation's (the set-up may pass it before).
        var nth = (point, operation) switch
        {
            ("volume.renamed", "vol-clone" or "vol-convert") => 2,
            ("network-start.dnsmasq-started", "net-start") => 2,
            _ => 1,
        };
        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        h.DaemonArguments.Add("--no-default-network");
        h.DaemonEnvironment["VIREO_TEST_CRASH_AT"] = $"{point}:{nth}";
        await h.StartDaemonAsync();
        TinyImage.EnsureBuilt();
        var dir = Path.Combine(h.StateDir, "bk");
        var mustRun = new List<string>();
        string[] action;
        async Task Vm(string name, params string[] extra) =>
            await h.VireoOk(["create", "--name", name, "--image", "tiny", "--memory", "128", .. extra]);
        async Task Running(string name, params string[] extra)
        {
            await Vm(name, extra);
            await h.VireoOk("start", name);
            await h.WaitForSerialAsync(name, "VIREO-GUEST-READY");
        }
        switch (operation)
        {
            case "define":
                action = ["create", "--name", "v", "--image", "tiny", "--memory", "128", "--network", "none"];
                break;
            case "start":
                await h.VireoOk("net", "create", "lab");
                await Vm("v", "--network", "network=lab");
                action = ["start", "v"];
                break;
            case "shutdown" or "reboot":
                await h.VireoOk("net", "create", "lab");
                await Running("v", "--network", "network=lab");
                if (operation == "reboot")
                    mustRun.Add("v");
                action = operation == "shutdown" ? ["shutdown", "v"] : ["reboot", "v"];
                break;
            case "disk-attach":
                await Running("v", "--network", "none");
                mustRun.Add("v");
                var image = Path.Combine(h.StateDir, "extra.qcow2");
                await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "16M");
                action = ["disk", "attach", "v", image, "--format", "qcow2"];
                break;
            case "nic-attach":
                await h.VireoOk("net", "create", "lab");
                await Running("v", "--network", "none");
                mustRun.Add("v");
                action = ["attach-interface", "v", "--network", "network=lab"];
                break;
            case "snapshot-create" or "snapshot-revert" or "snapshot-delete" or "clone" or "clone-linked" or "backup":
                await h.VireoOk("vol", "create", "default/v-a.qcow2", "--size", "16M");
                await h.VireoOk("vol", "create", "default/v-b.qcow2", "--size", "16M");
                await Vm("v", "--network", "none", "--disk", "vol=default/v-a.qcow2", "--disk", "vol=default/v-b.qcow2");
                if (operation is "snapshot-revert" or "snapshot-delete")
                    await h.VireoOk("snapshot", "create", "v", "s1");
                action = operation switch
                {
                    "snapshot-create" => ["snapshot", "create", "v", "s1"],
                    "snapshot-revert" => ["snapshot", "revert", "v", "s1"],
                    "snapshot-delete" => ["snapshot", "delete", "v", "s1"],
                    "clone" => ["clone", "v", "c"],
                    "clone-linked" => ["clone", "v", "c", "--linked"],
                    _ => ["backup", "v", "--to", dir],
                };
                break;
            case "backup-live":
                await h.VireoOk("vol", "create", "default/v-a.qcow2", "--size", "16M");
                await Running("v", "--network", "none", "--disk", "vol=default/v-a.qcow2");
                mustRun.Add("v");
                action = ["backup", "v", "--to", dir];
                break;
            case "snapshot-revert-memory":
                await h.VireoOk("vol", "create", "default/v-a.qcow2", "--size", "16M");
                await Running("v", "--network", "none", "--disk", "vol=default/v-a.qcow2");
                await h.VireoOk("snapshot", "create", "v", "s1");
                action = ["snapshot", "revert", "v", "s1"];
                break;
            case "vol-create":
                action = ["vol", "create", "default/n.qcow2", "--size", "16M"];
                break;
            case "vol-delete":
                await h.VireoOk("vol", "create", "default/n.qcow2", "--size", "16M");
                action = ["vol", "delete", "default/n.qcow2"];
                break;
            case "vol-clone" or "vol-convert":
                await h.VireoOk("vol", "create", "default/a.qcow2", "--size", "16M");
                action = operation == "vol-clone" ? ["vol", "clone", "default/a.qcow2", "default/b.qcow2"]
                    : ["vol", "convert", "default/a.qcow2", "default/b.raw", "--format", "raw"];
                break;
            case "net-create":
                action = ["net", "create", "lab"];
                break;
            case "net-start":
                await h.VireoOk("net", "create", "lab", "--no-autostart");
                await h.VireoOk("net", "stop", "lab");
                action = ["net", "start", "lab"];
                break;
            case "forward-add":
                await h.VireoOk("net", "create", "lab");
                await Vm("v", "--network", "network=lab");
                action = ["net", "forward", "add", "lab", "--host-port", "8080", "--to", "v:80"];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }

        var answer = await CrashCheck.RunUntilKilledAsync(h, point, action);
        Assert.NotEqual(0, answer.ExitCode);
        Assert.Contains($"VIREO_TEST_CRASH_AT: killing vireod", h.DaemonLog);

        h.DaemonEnvironment.Remove("VIREO_TEST_CRASH_AT");
        var clock = Stopwatch.StartNew();
        await h.StartDaemonAsync();
        var restart = clock.Elapsed.TotalSeconds;
        var findings = await CrashCheck.RunAsync(h, mustRun);
        Assert.True(findings.Problems.Count == 0, $"after the kill at {point}:\n{string.Join('\n', findings.Problems)}\n--- daemon ---\n{h.DaemonLog}");

        using var client = h.Client();
        var reported = (await client.ListOperationsAsync()).Where(o => o.Kind == kind && o.Status is OperationStatus.Completed or OperationStatus.RolledBack).ToList();
        Assert.True(reported.Count == 1, $"expected one {kind} listed as completed or rolled-back, got: " +
            string.Join("; ", (await client.ListOperationsAsync()).Select(o => $"{o.Kind} {o.Target} {o.Status} {o.Result}")) + $"\n{h.DaemonLog}");
        var settled = reported[0];
        var note = settled.Result?["recovery"]?.GetValue<string>() ?? "";

        // The operation can be done again (nothing half-made stands in the way), and the host is still consistent.
        switch (operation)
        {
            case "define" when settled.Status == OperationStatus.RolledBack:
            case "vol-create" or "vol-clone" or "vol-convert" or "net-create" when settled.Status == OperationStatus.RolledBack:
            case "clone" or "clone-linked" when settled.Status == OperationStatus.RolledBack:
                await h.VireoOk(action);
                var after = await CrashCheck.RunAsync(h, mustRun);
                Assert.True(after.Problems.Count == 0, $"after redoing {operation}:\n{string.Join('\n', after.Problems)}");
                break;
        }

        output.WriteLine($"{point}: {settled.Status}: {note}");
        ReliabilityReport.Record("crash", $"vireod killed with SIGKILL at {point} ({operation})",
            $"{Status(settled.Status)}: {note}; restart {restart.ToString("0.0", CultureInfo.InvariantCulture)} s; store ok; " +
            $"{findings.Vms} VMs, {findings.Qemus} QEMU, {findings.Taps} taps, {findings.Dnsmasqs} dnsmasq, {findings.Volumes} volumes; 0 orphans");
    }

    private static string Status(OperationStatus s) => s == OperationStatus.RolledBack ? "rolled-back" : "completed";
}

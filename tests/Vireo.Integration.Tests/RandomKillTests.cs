using System.Diagnostics;
using System.Globalization;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Issue 18: a mixed stream of operations against several tiny VMs, with vireod killed with SIGKILL (by this test)
/// at a random moment of each (seeded: VIREO_SEED repeats a run), started again, and <see cref="CrashCheck"/> after
/// every restart. CI runs a few iterations; VIREO_LONG=1 runs 100.
/// </summary>
public sealed class RandomKillTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Reliability")]
    public async Task Vireod_killed_at_random_moments_of_a_mixed_stream_loses_no_vm_and_leaves_nothing_half_done()
    {
        var longRun = Environment.GetEnvironmentVariable("VIREO_LONG") == "1";
        var iterations = longRun ? 100 : 5;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("VIREO_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s : Environment.TickCount & 0x7fffffff;
        output.WriteLine($"seed {seed} (VIREO_SEED={seed} repeats this run), {iterations} iterations");
        var rng = new Random(seed);
        var clock = Stopwatch.StartNew();

        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        h.DaemonArguments.Add("--no-default-network");
        await h.StartDaemonAsync();
        TinyImage.EnsureBuilt();
        await h.VireoOk("net", "create", "lab");
        await h.VireoOk("vol", "create", "default/c-root.qcow2", "--size", "16M");
        await h.VireoOk("create", "--name", "a", "--image", "tiny", "--memory", "128", "--network", "network=lab");
        await h.VireoOk("create", "--name", "b", "--image", "tiny", "--memory", "128", "--network", "none");
        await h.VireoOk("create", "--name", "c", "--image", "tiny", "--memory", "128", "--network", "none", "--disk", "vol=default/c-root.qcow2");
        await h.VireoOk("start", "a");
        await h.VireoOk("start", "b");

        int kills = 0, lost = 0, duplicated = 0, orphans = 0, halfDone = 0, completed = 0, rolledBack = 0;
        var ops = new List<string>();
        {
            for (var i = 0; i < iterations; i++)
            {
                List<VmSummary> vms;
                List<string> networks, volumes;
                using (var client = h.Client())
                {
                    vms = (await client.ListVmsAsync()).ToList();
                    networks = (await client.ListNetworksAsync()).Select(n => n.Name).ToList();
                    volumes = (await client.ListVolumesAsync("default")).Select(v => v.Name).ToList();
                }
                var running = vms.Where(v => v.State is VmState.Running or VmState.Paused).Select(v => v.Name).ToList();
                var stopped = vms.Where(v => v.State is VmState.Stopped or VmState.Crashed).Select(v => v.Name).ToList();
                var (args, stops) = Pick(rng, i, running, stopped, vms.Select(v => v.Name).ToList(), networks, volumes);
                ops.Add(string.Join(' ', args));
                var before = running.Where(n => n != stops).ToList();

                var op = h.Vireo(args);
                await Task.Delay(rng.Next(0, 2500));
                if (h.DaemonPid is not null)
                {
                    await h.KillDaemonAsync();
                    kills++;
                }
                var answer = await op;
                await h.StartDaemonAsync();
                var findings = await CrashCheck.RunAsync(h, before);
                foreach (var p in findings.Problems)
                {
                    if (p.Contains("ran before", StringComparison.Ordinal)) lost++;
                    else if (p.Contains("QEMU processes for", StringComparison.Ordinal)) duplicated++;
                    else if (p.Contains("orphan", StringComparison.Ordinal) || p.Contains("unrecorded", StringComparison.Ordinal) || p.Contains("temporary", StringComparison.Ordinal)) orphans++;
                    else halfDone++;
                }
                using (var client = h.Client())
                {
                    var recovered = (await client.ListOperationsAsync()).Where(o => o.Status is OperationStatus.Completed or OperationStatus.RolledBack or OperationStatus.Failed && o.Result?["recovery"] is not null).ToList();
                    halfDone += recovered.Count(o => o.Status == OperationStatus.Failed);
                    completed += recovered.Count(o => o.Status == OperationStatus.Completed);
                    rolledBack += recovered.Count(o => o.Status == OperationStatus.RolledBack);
                }
                output.WriteLine($"#{i} vireo {string.Join(' ', args)} -> exit {answer.ExitCode}; {findings.Vms} VMs, {findings.Qemus} QEMU, {findings.Taps} taps, {findings.Dnsmasqs} dnsmasq" +
                    (findings.Problems.Count > 0 ? "\n  " + string.Join("\n  ", findings.Problems) : ""));
                Assert.True(findings.Problems.Count == 0, $"seed {seed}, iteration {i} (vireo {string.Join(' ', args)}):\n{string.Join('\n', findings.Problems)}\n--- daemon ---\n{h.DaemonLog}");
            }
        }
        Assert.Equal(0, lost + duplicated + orphans + halfDone);
        var summary = $"seed {seed}: {iterations} iterations, {kills} kills in {clock.Elapsed.TotalSeconds:0} s; lost VMs {lost}, duplicated {duplicated}, orphans {orphans}, " +
            $"half-done {halfDone}; interrupted operations settled: {completed} completed, {rolledBack} rolled back";
        output.WriteLine(summary);
        ReliabilityReport.Record("crash", $"random-kill loop: SIGKILL of vireod at a random moment of a mixed stream (start, shutdown, reboot, snapshot, clone, volume, network, forward) on 3 tiny VMs{(longRun ? " (VIREO_LONG)" : "")}", summary);
    }

    /// <summary>The next operation, and the VM it may stop (which then need not run afterwards).</summary>
    private static (string[] Args, string? Stops) Pick(Random rng, int i, List<string> running, List<string> stopped, List<string> all,
        List<string> networks, List<string> volumes)
    {
        var choices = new List<Func<(string[], string?)>>();
        foreach (var vm in stopped.Where(v => v is "a" or "b" or "c"))
            choices.Add(() => (["start", vm], null));
        foreach (var vm in running)
        {
            choices.Add(() => (["shutdown", vm, "--timeout", "20"], vm));
            choices.Add(() => (["destroy", vm], vm));
            choices.Add(() => (["reboot", vm], null));
        }
        if (stopped.Contains("c"))
        {
            choices.Add(() => (["snapshot", "create", "c", $"s{i}"], null));
            choices.Add(() => (["clone", "c", $"k{i}"], null));
        }
        foreach (var clone in all.Where(v => v.StartsWith('k')))
            choices.Add(() => (["undefine", clone, "--remove-all-storage"], clone));
        choices.Add(() => (["vol", "create", $"default/v{i}.qcow2", "--size", "8M"], null));
        choices.Add(() => (["vol", "convert", "default/c-root.qcow2", $"default/r{i}.raw", "--format", "raw"], null));
        choices.Add(() => (["net", "create", $"n{i}"], null));
        foreach (var net in networks.Where(n => n.StartsWith('n')).Take(2))
            choices.Add(() => (["net", "delete", net], null));
        foreach (var vol in volumes.Where(v => v.StartsWith('v') || v.StartsWith('r')).Take(2))
            choices.Add(() => (["vol", "delete", $"default/{vol}"], null));
        choices.Add(() => (["net", "forward", "add", "lab", "--host-port", (9000 + i).ToString(CultureInfo.InvariantCulture), "--to", "a:80"], null));
        return choices[rng.Next(choices.Count)]();
    }
}

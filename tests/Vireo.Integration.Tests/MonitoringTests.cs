using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vireo.Client;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Events, metrics and the UI's history on a real vireod with the tiny guest: an event client sees a VM start and
/// stop and a volume copy run, `vireo events` prints them, a reconnecting client gets what it missed, and /metrics
/// parses as Prometheus text with counters that grow while the guest works.
/// </summary>
public sealed partial class MonitoringTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task An_event_client_sees_a_vm_start_and_stop_and_a_volume_copy_and_vireo_events_prints_them()
    {
        await using var h = await VireoHarness.StartAsync(output);
        using var client = h.Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        // The raw stream: text/event-stream, a comment at once, then id:/data: pairs.
        var raw = ProcessRunner.RunAsync("curl", ["-sS", "-N", "-i", "--max-time", "60", "--unix-socket", h.Socket, "http://localhost/v1/events?vm=ev1"]);
        var events = new List<VireoEvent>();
        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in client.WatchEventsAsync(ct: cts.Token))
                {
                    lock (events)
                        events.Add(e);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var cli = StartCli(h, "events", "--vm", "ev1");
        var cliOut = new StringBuilder();
        cli.OutputDataReceived += (_, e) => { lock (cliOut) cliOut.AppendLine(e.Data); };
        cli.BeginOutputReadLine();
        await VireoHarness.WaitUntilAsync(() => client.GetStatsAsync().Result is not null && SubscriberCount(h) >= 3, 30);

        await h.StartTinyAsync("ev1", "--network", "none", "--disk", "size=16M");
        await WaitForAsync(events, e => e is { Type: EventTypes.VmState, Vm: "ev1", State: "running" });
        await VireoHarness.WaitUntilAsync(() => { lock (cliOut) return cliOut.ToString().Contains("vm.state"); }, 30);

        await h.VireoOk("vol", "create", "default/ev-src.qcow2", "--size", "64M");
        await h.VireoOk("vol", "clone", "default/ev-src.qcow2", "default/ev-copy.qcow2");
        var done = await WaitForAsync(events, e => e is { Type: EventTypes.OperationDone });
        Assert.Equal(("succeeded", "default", 1.0), (done.State, done.Pool, done.Progress));
        Assert.Contains("volume-clone default/ev-copy.qcow2", done.Message);
        await WaitForAsync(events, e => e is { Type: EventTypes.StorageChanged, Pool: "default" } && e.Message!.Contains("ev-copy"));

        await h.VireoOk("shutdown", "ev1");
        await WaitForAsync(events, e => e is { Type: EventTypes.VmState, Vm: "ev1", State: "stopped" });
        await h.VireoOk("snapshot", "create", "ev1", "s1");
        await WaitForAsync(events, e => e is { Type: EventTypes.VmChanged, Vm: "ev1" } && e.Message == "snapshot \"s1\" created");
        await h.VireoOk("undefine", "ev1");
        await WaitForAsync(events, e => e is { Type: EventTypes.VmUndefined, Vm: "ev1" });

        List<VireoEvent> seen;
        lock (events)
            seen = [.. events];
        output.WriteLine(string.Join("\n", seen.Select(e => $"{e.Seq} {e.Type} {e.Vm}{e.Pool} {e.State} {e.Progress} {e.Message}")));
        // Numbered without gaps, in the order things happened.
        Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => seen[0].Seq + i), seen.Select(e => e.Seq));
        var states = seen.Where(e => e is { Type: EventTypes.VmState, Vm: "ev1" }).Select(e => e.State).ToList();
        Assert.Equal(["starting", "running", "shutting-down", "stopped"], states);
        var defined = seen.Single(e => e is { Type: EventTypes.VmDefined, Vm: "ev1" });
        Assert.True(defined.Seq < seen.First(e => e.Type == EventTypes.VmState).Seq);
        var operation = seen.Where(e => e.Type.StartsWith("operation.", StringComparison.Ordinal)).ToList();
        Assert.Equal(EventTypes.OperationProgress, operation[0].Type);
        Assert.Equal("running", operation[0].State);
        Assert.All(operation, e => Assert.Equal(done.Operation, e.Operation));

        // A client that reconnects with the id of the vm.defined event gets everything after it, in order.
        var replayed = new List<VireoEvent>();
        using (var replayCts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await foreach (var e in client.WatchEventsAsync(vm: "ev1", lastEventId: defined.Seq, ct: replayCts.Token))
            {
                replayed.Add(e);
                if (e.Type == EventTypes.VmUndefined)
                    break;
            }
        }
        Assert.Equal(seen.Where(e => e.Vm == "ev1" && e.Seq > defined.Seq).Select(e => e.Seq), replayed.Select(e => e.Seq));

        // vireo events --vm ev1 printed the start as one line per event, and ends cleanly on SIGTERM.
        await VireoHarness.WaitUntilAsync(() => { lock (cliOut) return cliOut.ToString().Contains("vm.undefined"); }, 30);
        VireoHarness.Signal(cli.Id, UnixSignal.Term);
        Assert.True(cli.WaitForExit(10_000));
        var printed = cliOut.ToString();
        output.WriteLine(printed);
        Assert.Matches(@"\d\d:\d\d:\d\d  vm\.state +vm ev1  running(  \(.+\))?\r?\n", printed);
        Assert.Contains("vm.defined", printed);
        Assert.Contains("vm.changed          vm ev1  snapshot \"s1\" created", printed);
        Assert.DoesNotContain("operation.", printed);

        await cts.CancelAsync();
        await watching;
        var stream = await raw;
        output.WriteLine(stream.Stdout);
        Assert.Contains("content-type: text/event-stream", stream.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Matches(@"\r?\n: vireo events\n", stream.Stdout);
        Assert.Matches(@"\nid: \d+\ndata: \{""seq"":\d+,""time"":""[^""]+"",""type"":""vm\.state"",""vm"":""ev1"",""state"":""running""(,""message"":""[^""]*"")?\}\n\n", stream.Stdout);
        Assert.DoesNotContain("ev-copy", stream.Stdout);

        // A filter that matches nothing is refused, naming the field.
        var bad = await Assert.ThrowsAsync<VireoApiException>(async () =>
        {
            await foreach (var _ in client.WatchEventsAsync(type: "vm.stat3"))
            {
            }
        });
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("type", bad.Message);
        Assert.Contains("vm.stat3", bad.Message);
    }

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_grow_while_the_guest_works_and_the_history_and_usage_follow()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("m1", "--disk", "size=64M", "--network", "none");
        using var client = h.Client();

        var before = Parse(await ScrapeAsync(h));
        Assert.Equal(1, before[@"vireo_vm_state{vm=""m1"",state=""running""}"]);
        Assert.Equal(0, before[@"vireo_vm_state{vm=""m1"",state=""stopped""}"]);
        Assert.Equal(1, before[@"vireo_vms{state=""running""}"]);
        Assert.Equal(128 * MiB, before[@"vireo_vm_memory_bytes{vm=""m1""}"]);
        Assert.Equal(128 * MiB, before[@"vireo_vm_balloon_bytes{vm=""m1""}"]);
        Assert.True(before[@"vireo_vm_memory_rss_bytes{vm=""m1""}"] > 16 * MiB);
        Assert.True(before["process_working_set_bytes"] > 0);
        Assert.True(before.ContainsKey("vireo_qmp_errors_total"));
        Assert.True(before.ContainsKey("vireo_event_subscribers"));
        const string cpu = @"vireo_vm_cpu_seconds_total{vm=""m1""}";
        const string written = @"vireo_vm_disk_write_bytes_total{vm=""m1"",disk=""default/m1-disk0.qcow2""}";

        // A sample of m1 is taken before the write, so some pair of successive samples spans it (on a slow
        // host the first sample could otherwise come only after the dd, and no point would show the write).
        await VireoHarness.WaitUntilAsync(() => client.GetStatsHistoryAsync("m1").Result.Vms["m1"].Count > 0, 20);
        var dd = await h.VireoWithInput("dd if=/dev/zero of=/dev/vda bs=1M count=8 conv=fsync 2>/dev/null && echo DD-$((40+2))\n",
            "console", "m1", "--idle", "8");
        Assert.Contains("DD-42", dd.Stdout);

        var after = Parse(await ScrapeAsync(h));
        Assert.True(after[cpu] > before[cpu], $"cpu {before[cpu]} -> {after[cpu]}");
        Assert.True(after[written] - before[written] >= 8 * MiB, $"written {before[written]} -> {after[written]}");
        Assert.True(after[@"vireo_vm_disk_write_ops_total{vm=""m1"",disk=""default/m1-disk0.qcow2""}"] > before[@"vireo_vm_disk_write_ops_total{vm=""m1"",disk=""default/m1-disk0.qcow2""}"]);

        // The sampler has run (every 5 s since the start): CPU, memory and the write show in the history.
        await VireoHarness.WaitUntilAsync(() => client.GetStatsHistoryAsync("m1").Result.Vms["m1"].Any(p => p.DiskWr > 0), 20);
        var history = await client.GetStatsHistoryAsync();
        Assert.Equal(5, history.IntervalSeconds);
        var points = history.Vms["m1"];
        Assert.All(points, p => Assert.True(p.Mem > 16 * MiB && p.Cpu >= 0));
        Assert.Contains(points, p => p.Cpu > 0);
        Assert.True(points.Zip(points.Skip(1)).All(x => x.Second.T - x.First.T is >= 3000 and <= 10_000));
        var missing = await Assert.ThrowsAsync<VireoApiException>(() => client.GetStatsHistoryAsync("nope"));
        Assert.Equal(404, (int)missing.StatusCode);

        var usage = await client.GetHostUsageAsync();
        Assert.Equal((await client.GetStatsAsync()).HostCpus, usage.Cpu.Capacity);
        Assert.Equal(1, usage.Cpu.Allocated);
        Assert.InRange(usage.Cpu.Used, 0, usage.Cpu.Capacity);
        Assert.Equal(128 * MiB, usage.Memory.Allocated);
        Assert.True(usage.Memory.Used > 0 && usage.Memory.Used < usage.Memory.Capacity);
        Assert.True(usage.Disk.Allocated >= 64 * MiB, $"disk allocated {usage.Disk.Allocated}");
        Assert.True(usage.Disk.Used > 0 && usage.Disk.Used <= usage.Disk.Capacity);

        // Stopped: its per-process series go, its state stays.
        await h.VireoOk("destroy", "m1");
        var stopped = Parse(await ScrapeAsync(h));
        Assert.Equal(1, stopped[@"vireo_vm_state{vm=""m1"",state=""stopped""}"]);
        Assert.False(stopped.ContainsKey(cpu));
        Assert.False(stopped.ContainsKey(written));
    }

    [Fact]
    public void The_prometheus_text_parser_takes_samples_and_refuses_anything_else()
    {
        var good = Parse("# HELP a_total A counter\n# TYPE a_total counter\na_total{vm=\"x\",disk=\"default/x.qcow2\"} 1.5e3\n"
            + "# TYPE g gauge\ng 7\ng{l=\"q\\\"uote\"} -Inf\n\n");
        Assert.Equal(1500, good[@"a_total{vm=""x"",disk=""default/x.qcow2""}"]);
        Assert.Equal(7, good["g"]);
        foreach (var bad in new[] { "# TYPE g gauge\ng", "# TYPE g gauge\ng 1 2 3", "# TYPE g gauge\ng{vm=x} 1", "# TYPE g gauge\ng{vm=\"x\" 1",
                     "untyped 1", "# a comment\n", "# TYPE g gauge\ng 1\ng 2", "# TYPE g gauge\ng abc", "# TYPE g gauge\n g 1" })
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Parse(bad));
    }

    /// <summary>GET /metrics over the socket, with curl (a client that is not ours).</summary>
    private static async Task<string> ScrapeAsync(VireoHarness h)
    {
        var result = await ProcessRunner.RunAsync("curl", ["-sS", "-f", "--max-time", "20", "--unix-socket", h.Socket, "http://localhost/metrics"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    /// <summary>
    /// The Prometheus text format, strictly: every line is empty, a # HELP or # TYPE comment, or a sample
    /// `name{label="value",...} number`; a sample's metric has a TYPE line before it. Samples by their series.
    /// </summary>
    internal static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                Assert.True(comment.Success, $"not a HELP/TYPE comment: {line}");
                if (comment.Groups[1].Value == "TYPE")
                    typed.Add(comment.Groups[2].Value);
                continue;
            }
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups[1].Value;
            Assert.True(typed.Contains(name) || typed.Any(t => name.StartsWith(t + "_", StringComparison.Ordinal)), $"no TYPE for {name}");
            var value = sample.Groups[3].Value;
            var number = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Assert.True(samples.TryAdd(name + sample.Groups[2].Value, number), $"duplicate series: {line}");
        }
        return samples;
    }

    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? (-?[0-9.eE+-]+|[+-]Inf|NaN)( -?\d+)?$")]
    private static partial Regex SampleLine();

    private static Process StartCli(VireoHarness h, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Repo.CliDll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["VIREO_SOCKET"] = h.Socket;
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start)!;
    }

    /// <summary>vireo_event_subscribers from /metrics: how many clients are subscribed now.</summary>
    private static int SubscriberCount(VireoHarness h) =>
        (int)Parse(ScrapeAsync(h).GetAwaiter().GetResult()).GetValueOrDefault("vireo_event_subscribers");

    private static async Task<VireoEvent> WaitForAsync(List<VireoEvent> events, Func<VireoEvent, bool> match, int seconds = 90)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            lock (events)
            {
                if (events.FirstOrDefault(match) is { } found)
                    return found;
            }
            await Task.Delay(100);
        }
        lock (events)
            throw new Xunit.Sdk.XunitException("event not seen; got:\n" + string.Join("\n", events.Select(e => $"{e.Seq} {e.Type} {e.Vm} {e.State} {e.Message}")));
    }
}

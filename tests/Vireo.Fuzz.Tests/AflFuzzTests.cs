using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Vireo.Fuzz.Tests;

/// <summary>
/// Each target under AFL++ for a short, bounded time from its committed corpus (fuzz/run.sh): zero crashes and zero
/// hangs. VIREO_LONG=1 runs each for VIREO_FUZZ_SECONDS (default 600) instead.
/// </summary>
[Trait("Category", "Reliability")]
public partial class AflFuzzTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("VIREO_LONG") == "1";

    private static int Seconds => Long
        ? int.TryParse(Environment.GetEnvironmentVariable("VIREO_FUZZ_SECONDS"), out var s) ? s : 600
        : 12;

    public static TheoryData<string> TargetNames() => new(Targets.Names);

    [Theory]
    [MemberData(nameof(TargetNames))]
    public async Task Afl_finds_no_crash_or_hang(string target)
    {
        var fuzzBuild = Path.Combine(Repo.Root, "fuzz", "Vireo.Fuzz", "bin", "Release", "net10.0", "Vireo.Fuzz.dll");
        var psi = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "fuzz", "run.sh"), target, Seconds.ToString()])
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // scripts/test.sh builds the solution in Release first; run.sh builds it itself otherwise.
        if (File.Exists(fuzzBuild)) psi.Environment["VIREO_FUZZ_NO_BUILD"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stderrTask = process.StandardError.ReadToEndAsync();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(Seconds + 300)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"fuzz/run.sh {target} did not end within {Seconds + 300} s");
            }
        }
        var stdout = await stdoutTask;
        var output = stdout + await stderrTask;
        var summary = Summary().Match(stdout);
        Assert.True(summary.Success, $"fuzz/run.sh {target} printed no summary (exit {process.ExitCode}):\n{output}");
        Assert.True(process.ExitCode == 0, $"AFL found a crash or hang in {target}:\n{output}");
        var executions = long.Parse(summary.Groups["execs"].Value);
        // A fuzzer that barely ran proves nothing: even a loaded machine runs hundreds of inputs in the budget.
        Assert.True(executions >= 100, $"only {executions} executions:\n{output}");
        ReliabilityReport.Record("fuzz", $"{target}: AFL++ via SharpFuzz from the committed corpus",
            $"{executions} executions in {summary.Groups["time"].Value} s, {summary.Groups["paths"].Value} paths, 0 crashes, 0 hangs " +
            $"({watch.Elapsed.TotalSeconds:0} s with instrumentation)");
    }

    [GeneratedRegex(@"fuzz \S+: (?<execs>\d+) executions in (?<time>\d+) s, (?<paths>\d+) paths, (?<crashes>\d+) crashes, (?<hangs>\d+) hangs")]
    private static partial Regex Summary();
}

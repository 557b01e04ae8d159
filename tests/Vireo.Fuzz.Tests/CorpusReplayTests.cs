using System.Diagnostics;

namespace Vireo.Fuzz.Tests;

/// <summary>
/// Every fuzz target over its committed seed corpus (fuzz/corpus/TARGET) and every input that once made it fail
/// (fuzz/crashes/TARGET, kept by fuzz/run.sh): a fast regression test in the normal run.
/// </summary>
[Trait("Category", "Reliability")]
public class CorpusReplayTests
{
    public static TheoryData<string> TargetNames() => new(Targets.Names);

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void Target_accepts_its_corpus_and_every_past_crash(string target)
    {
        var files = new[] { "corpus", "crashes" }
            .Select(d => Path.Combine(Repo.Root, "fuzz", d, target))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        var failures = new List<string>();
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        foreach (var file in files)
        {
            var one = Stopwatch.StartNew();
            try
            {
                Targets.Run(target, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetRelativePath(Repo.Root, file)}: {e.GetType().Name}: {e.Message}");
            }
            if (one.Elapsed > slowest) slowest = one.Elapsed;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // A hang found once must stay fixed: no single input may take long (generous for a loaded CI machine).
        Assert.True(slowest < TimeSpan.FromSeconds(5), $"the slowest input took {slowest.TotalSeconds:0.0} s");
        var crashes = files.Count(f => f.Contains($"{Path.DirectorySeparatorChar}crashes{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        ReliabilityReport.Record("fuzz", $"{target}: committed corpus and past findings replayed",
            $"{files.Count} inputs ({crashes} past crashes/hangs), 0 failures, {total.ElapsedMilliseconds} ms (slowest {slowest.TotalMilliseconds:0} ms)");
    }
}

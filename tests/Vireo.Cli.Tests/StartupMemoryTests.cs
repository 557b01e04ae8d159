using System.Runtime;

namespace Vireo.Cli.Tests;

[CollectionDefinition(nameof(StartupMemoryTests), DisableParallelization = true)]
public sealed class StartupMemoryCollection;

/// <summary>
/// The prefault at start must never change how a run behaves: a run that allocates more than the prefaulted
/// megabyte leaves the no-GC region and collects as usual, and a second call is harmless. Runs alone: the no-GC
/// region is process-wide.
/// </summary>
[Collection(nameof(StartupMemoryTests))]
public sealed class StartupMemoryTests
{
    [Fact]
    public void A_run_that_allocates_past_the_prefaulted_megabyte_goes_back_to_normal_collections()
    {
        StartupMemory.Prefault();
        StartupMemory.Prefault();
        var collections = GC.CollectionCount(0);
        var kept = new List<byte[]>();
        for (var i = 0; i < 64 * 1024; i++)
        {
            var chunk = new byte[256];
            if (i % 64 == 0)
                kept.Add(chunk);
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.True(GC.CollectionCount(0) > collections, "16 MiB of allocations ran without a collection");
        Assert.Equal(1024, kept.Count);
    }
}

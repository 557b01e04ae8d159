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

    [Fact]
    public void The_ranges_to_map_are_the_page_aligned_load_segments_shifted_by_the_load_bias()
    {
        // vireo's own table (readelf -lW): linked at 0x400000, so the headers sit where PT_PHDR says.
        StartupMemory.Elf64ProgramHeader[] vireo =
        [
            new() { Type = 6, VirtualAddress = 0x400040, MemorySize = 0x268 },
            new() { Type = 1, VirtualAddress = 0x400000, MemorySize = 0x38a0 },
            new() { Type = 1, VirtualAddress = 0x404000, MemorySize = 0x43d579 },
            new() { Type = 1, VirtualAddress = 0xae4dc8, MemorySize = 0x2597f0 },
            new() { Type = 2, VirtualAddress = 0xd2d000, MemorySize = 0x200 }, // PT_DYNAMIC: not a range of its own
        ];
        Assert.Equal([(0x400000, 0x4000), (0x404000, 0x43e000), (0xae4000, 0x25b000)],
            StartupMemory.LoadedRanges(vireo, 0x400040, 4096));
        // The same program position-independent, loaded at 0x5555_5550_0000.
        nint load = unchecked((nint)0x5555_5550_0000L);
        StartupMemory.Elf64ProgramHeader[] pie =
        [
            new() { Type = 6, VirtualAddress = 0x40, MemorySize = 0x268 },
            new() { Type = 1, VirtualAddress = 0x1000, MemorySize = 0x10 },
        ];
        Assert.Equal([(load + 0x1000, 0x1000)], StartupMemory.LoadedRanges(pie, load + 0x40, 4096));
        // Without PT_PHDR the bias is unknown: nothing is touched.
        Assert.Empty(StartupMemory.LoadedRanges(pie[1..], load + 0x40, 4096));
    }
}

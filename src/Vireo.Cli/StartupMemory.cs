using System.Runtime.InteropServices;

namespace Vireo.Cli;

/// <summary>
/// Maps the memory a short vireo run allocates in one call at start instead of one page fault per page.
/// A run allocates some hundreds of KiB (System.CommandLine's tree, System.Text.Json's metadata, the answer), each
/// fresh 4 KiB page costing a fault; on the 2-vCPU test VM a fault costs ~16 µs, and `vireo vol convert` took ~200
/// of its ~450 faults in the allocator. <see cref="GC.TryStartNoGCRegion(long)"/> makes the GC commit
/// <see cref="Budget"/> of its young generation up front, and <c>madvise(MADV_POPULATE_WRITE)</c> maps those pages
/// in one system call (~1 µs a page). A run that allocates more simply leaves the no-GC region: the GC then works
/// as usual. Failures are ignored: this only changes how fast memory appears, never what it holds.
/// </summary>
internal static unsafe partial class StartupMemory
{
    /// <summary>What a short command allocates, with room: 1 MiB (256 pages, ~0.3 ms to populate).</summary>
    private const long Budget = 1 << 20;

    private const int MadvPopulateWrite = 23; // Linux 5.14+; older kernels answer EINVAL.

    public static void Prefault()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            if (!GC.TryStartNoGCRegion(Budget))
                return;
        }
        catch (InvalidOperationException)
        {
            return;
        }
        // The first allocation after the GC that starts the region lands at the start of the committed space.
        var probe = new byte[1];
        fixed (byte* p = probe)
        {
            var start = (nint)p & ~(nint)(Environment.SystemPageSize - 1);
            // Stops with EFAULT where the commit ends; the pages before are populated either way.
            _ = Madvise(start, (nuint)Budget, MadvPopulateWrite);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

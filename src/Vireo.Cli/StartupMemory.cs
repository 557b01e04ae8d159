using System.Runtime.InteropServices;

namespace Vireo.Cli;

/// <summary>
/// Maps the memory a short vireo run touches in a few calls at start instead of one page fault per page.
/// A run allocates some hundreds of KiB (System.CommandLine's tree, System.Text.Json's metadata, the answer), each
/// fresh 4 KiB page costing a fault; on the 2-vCPU test VM a fault costs ~16 µs, and `vireo vol convert` took ~200
/// of its ~450 faults in the allocator. <see cref="GC.TryStartNoGCRegion(long)"/> makes the GC commit
/// <see cref="Budget"/> of its young generation up front, and <c>madvise(MADV_POPULATE_WRITE)</c> maps those pages
/// in one system call (~1 µs a page). A run that allocates more simply leaves the no-GC region: the GC then works
/// as usual. The executable's own pages go the same way: a run executes code and reads type data spread over most
/// of the 9 MB image, and each first touch of a 64 KiB stretch was a fault (~60 in `vireo version`, ~80 in a
/// convert); <c>madvise(MADV_POPULATE_READ)</c> over its loaded segments maps the page-cache pages in one call
/// (`vireo version`: 285 -> 209 faults, 13.4 -> 11.2 ms CPU, perf stat -r 60). Nothing is copied: code and read-only
/// data stay shared with every other run, and a writable page is still copied on its first write as before. With
/// the file not cached (first run after boot) the whole image is read at once rather than the parts touched; on
/// the test VM's disk that start took the same 32 ms either way. Failures are ignored: this only changes how fast
/// memory appears, never what it holds.
/// </summary>
internal static unsafe partial class StartupMemory
{
    /// <summary>What a short command allocates, with room: 1 MiB (256 pages, ~0.3 ms to populate).</summary>
    private const long Budget = 1 << 20;

    private const int MadvPopulateRead = 22; // Linux 5.14+; older kernels answer EINVAL.
    private const int MadvPopulateWrite = 23;

    public static void Prefault()
    {
        if (!OperatingSystem.IsLinux())
            return;
        MapExecutable();
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

    /// <summary>Populates every loaded segment of the running executable, found through its program headers.</summary>
    private static void MapExecutable()
    {
        const ulong AtPhdr = 3, AtPhnum = 5;
        var headers = (Elf64ProgramHeader*)GetAuxValue(AtPhdr);
        var count = (int)GetAuxValue(AtPhnum);
        if (headers is null || count <= 0)
            return;
        foreach (var (start, length) in LoadedRanges(new ReadOnlySpan<Elf64ProgramHeader>(headers, count), (nint)headers, Environment.SystemPageSize))
            _ = Madvise(start, (nuint)length, MadvPopulateRead);
    }

    /// <summary>
    /// The page-aligned address ranges of the loadable segments, given the program headers and where they are
    /// mapped (which gives the load bias: 0 for vireo, linked at a fixed address; the relocation for a
    /// position-independent program). None without a PT_PHDR entry, as the bias is then unknown.
    /// </summary>
    internal static List<(nint Start, nint Length)> LoadedRanges(ReadOnlySpan<Elf64ProgramHeader> headers, nint headersAddress, int pageSize)
    {
        const uint PtLoad = 1, PtPhdr = 6;
        var ranges = new List<(nint, nint)>();
        nint? bias = null;
        foreach (var h in headers)
            if (h.Type == PtPhdr)
                bias = headersAddress - (nint)h.VirtualAddress;
        if (bias is not { } b)
            return ranges;
        var mask = (nint)pageSize - 1;
        foreach (var h in headers)
        {
            if (h.Type != PtLoad || h.MemorySize == 0)
                continue;
            var start = (b + (nint)h.VirtualAddress) & ~mask;
            var end = (b + (nint)(h.VirtualAddress + h.MemorySize) + mask) & ~mask;
            ranges.Add((start, end - start));
        }
        return ranges;
    }

    /// <summary>An ELF64 program header (Elf64_Phdr).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Elf64ProgramHeader
    {
        public uint Type;
        public uint Flags;
        public ulong Offset;
        public ulong VirtualAddress;
        public ulong PhysicalAddress;
        public ulong FileSize;
        public ulong MemorySize;
        public ulong Alignment;
    }

    [LibraryImport("libc", EntryPoint = "getauxval")]
    private static partial nuint GetAuxValue(ulong type);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

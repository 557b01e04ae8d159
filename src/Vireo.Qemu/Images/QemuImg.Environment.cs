namespace Vireo.Qemu;

public sealed partial class QemuImg
{
    /// <summary>
    /// glibc's allocator settings for every qemu-img Vireo runs, set only where vireod's own environment does not
    /// already give <c>GLIBC_TUNABLES</c> (an operator's choice wins).
    /// <para>
    /// A conversion copies through one 2 MiB buffer per request in flight (8 by default). glibc gives each its own
    /// mapping, not aligned to 2 MiB, so the kernel backs it with 4 KiB pages, and the first touch of each page is a
    /// fault: ~4,100 of qemu-img's ~4,700 faults in a 1 GiB conversion. Served from the heap instead
    /// (<c>mmap_threshold</c> above the buffer size) and with the heap marked for transparent huge pages
    /// (<c>hugetlb=1</c>: <c>madvise(MADV_HUGEPAGE)</c>, which the kernel's default THP mode, "madvise", honours),
    /// the buffers take a few 2 MiB pages instead. Measured on the 2-vCPU test VM, where a fault costs ~16 µs, same
    /// qemu-img and arguments, alternating (docs/benchmarks.md): faults 4,714 -> 606-1,117, conversion time 0.72-0.82
    /// with the source in the page cache and 0.80-0.90 read from disk; the images written are byte-identical, and
    /// the peak RSS grows by under 1 MiB. Where faults are cheap it saves little, and costs nothing: the same bytes
    /// are zeroed either way. Without THP (mode "never"), on older glibc (unknown tunables are ignored) or another
    /// libc, qemu-img runs as before.
    /// </para>
    /// </summary>
    internal const string MallocTunables = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304";

    /// <summary>The variables added to qemu-img's environment: <see cref="MallocTunables"/>, unless already set.</summary>
    internal static IReadOnlyDictionary<string, string> ChildEnvironment(Func<string, string?> current) =>
        current("GLIBC_TUNABLES") is null
            ? new Dictionary<string, string> { ["GLIBC_TUNABLES"] = MallocTunables }
            : new Dictionary<string, string>();

    private static readonly IReadOnlyDictionary<string, string> ChildVariables = ChildEnvironment(System.Environment.GetEnvironmentVariable);
}

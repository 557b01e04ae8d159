using System.Text.Json;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>One virtual CPU as reported by <c>query-cpus-fast</c> (QAPI <c>CpuInfoFast</c>).</summary>
/// <param name="CpuIndex">Index of the vCPU.</param>
/// <param name="QomPath">Path of the CPU object in the QOM tree.</param>
/// <param name="ThreadId">Host thread id running this vCPU (under TCG with one thread per vCPU, or KVM).</param>
/// <param name="Target">QEMU target, e.g. <c>x86_64</c>.</param>
public sealed record CpuInfoFast(int CpuIndex, string QomPath, long ThreadId, string? Target = null);

/// <summary><c>query-cpus-fast</c>: the vCPUs, without interrupting them.</summary>
public sealed record QueryCpusFastCommand() : QmpCommand<IReadOnlyList<CpuInfoFast>>("query-cpus-fast")
{
    /// <inheritdoc />
    public override IReadOnlyList<CpuInfoFast> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListCpuInfoFast);
}

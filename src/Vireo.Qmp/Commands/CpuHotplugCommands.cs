using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>
/// Where a CPU sits in the machine's topology (QAPI <c>CpuInstanceProperties</c>). Which members are present
/// depends on the machine and its <c>-smp</c> topology: x86 q35 gives socket, core and thread, and die only with
/// <c>dies</c> above 1.
/// </summary>
/// <param name="NodeId">NUMA node, when the machine has NUMA.</param>
/// <param name="SocketId">Socket.</param>
/// <param name="DieId">Die within the socket.</param>
/// <param name="ClusterId">Cluster within the die (not on x86 in QEMU 7.2).</param>
/// <param name="CoreId">Core.</param>
/// <param name="ThreadId">Thread within the core.</param>
public sealed record CpuInstanceProperties(
    int? NodeId = null,
    int? SocketId = null,
    int? DieId = null,
    int? ClusterId = null,
    int? CoreId = null,
    int? ThreadId = null);

/// <summary>One CPU slot from <c>query-hotpluggable-cpus</c> (QAPI <c>HotpluggableCPU</c>), filled or empty.</summary>
/// <param name="Type">The CPU device driver to <c>device_add</c> into this slot, e.g. <c>max-x86_64-cpu</c>.</param>
/// <param name="VcpusCount">How many vCPUs the slot holds (1 on x86, where a slot is one thread).</param>
/// <param name="Props">The slot's place in the topology; <c>device_add</c> takes the same members.</param>
/// <param name="QomPath">The CPU object's QOM path when the slot is filled, null when it is empty. A CPU plugged
/// with an id is <c>/machine/peripheral/ID</c>; the CPUs present at start are <c>/machine/unattached/device[N]</c>.</param>
public sealed record HotpluggableCpu(string Type, int VcpusCount, CpuInstanceProperties Props, string? QomPath = null)
{
    /// <summary>Whether a CPU is in this slot.</summary>
    [JsonIgnore]
    public bool IsPlugged => QomPath is not null;

    /// <summary>The id the CPU in this slot was plugged with, from its QOM path; null when empty or present from start.</summary>
    [JsonIgnore]
    public string? DeviceId
    {
        get
        {
            const string peripheral = "/machine/peripheral/";
            return QomPath is not null && QomPath.StartsWith(peripheral, StringComparison.Ordinal) ? QomPath[peripheral.Length..] : null;
        }
    }

    /// <summary>
    /// The <c>device_add</c> arguments that fill this slot: <c>driver</c> is <see cref="Type"/>, then the id and
    /// every topology member the slot has, as QEMU's CPU device properties spell them (<c>socket-id</c>, ...).
    /// </summary>
    /// <param name="id">The new CPU's device id.</param>
    public JsonObject ToDeviceArguments(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var arguments = new JsonObject { ["driver"] = Type, ["id"] = id };
        foreach (var (name, value) in new (string, int?)[]
        {
            ("node-id", Props.NodeId), ("socket-id", Props.SocketId), ("die-id", Props.DieId),
            ("cluster-id", Props.ClusterId), ("core-id", Props.CoreId), ("thread-id", Props.ThreadId),
        })
        {
            if (value is { } v)
                arguments[name] = v;
        }
        return arguments;
    }
}

/// <summary>
/// <c>query-hotpluggable-cpus</c>: every CPU slot of a machine that supports CPU hot-plug (q35, pc), with
/// <c>-smp N,maxcpus=M</c> giving M slots of which N are filled at start. QEMU 7.2 lists them highest slot first.
/// </summary>
public sealed record QueryHotpluggableCpusCommand() : QmpCommand<IReadOnlyList<HotpluggableCpu>>("query-hotpluggable-cpus")
{
    /// <inheritdoc />
    public override IReadOnlyList<HotpluggableCpu> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListHotpluggableCpu);
}

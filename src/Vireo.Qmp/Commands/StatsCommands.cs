using System.Text.Json;
using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>One block device's I/O counters from <c>query-blockstats</c> (QAPI <c>BlockStats</c>, top level only).</summary>
/// <param name="Stats">The counters, cumulative since QEMU started (or the device was plugged).</param>
/// <param name="Device">The legacy drive name; empty for devices backed by <c>-blockdev</c>.</param>
/// <param name="Qdev">The device id (e.g. <c>disk2</c>) or its QOM path (<c>/machine/peripheral/disk1/virtio-backend</c>).</param>
/// <param name="NodeName">The top node's name, when the device has a medium.</param>
public sealed record BlockStats(
    BlockDeviceStats Stats,
    string? Device = null,
    string? Qdev = null,
    string? NodeName = null)
{
    /// <summary>
    /// The id of the guest device these counters belong to: <see cref="Qdev"/> itself, or the id inside a QOM path
    /// such as <c>/machine/peripheral/ID/virtio-backend</c>; null when neither names one.
    /// </summary>
    public string? DeviceId
    {
        get
        {
            if (string.IsNullOrEmpty(Qdev))
                return null;
            const string peripheral = "/machine/peripheral/";
            if (!Qdev.StartsWith('/'))
                return Qdev;
            if (!Qdev.StartsWith(peripheral, StringComparison.Ordinal))
                return null;
            var rest = Qdev[peripheral.Length..];
            var slash = rest.IndexOf('/');
            return slash < 0 ? rest : rest[..slash];
        }
    }
}

/// <summary>
/// The counters of QAPI <c>BlockDeviceStats</c> a manager reports. Their wire names are QAPI's legacy snake_case.
/// </summary>
/// <param name="RdBytes">Bytes read by the guest.</param>
/// <param name="WrBytes">Bytes written by the guest.</param>
/// <param name="RdOperations">Read requests.</param>
/// <param name="WrOperations">Write requests.</param>
/// <param name="FlushOperations">Cache flushes.</param>
/// <param name="RdTotalTimeNs">Time spent on reads, in nanoseconds.</param>
/// <param name="WrTotalTimeNs">Time spent on writes, in nanoseconds.</param>
/// <param name="FlushTotalTimeNs">Time spent on flushes, in nanoseconds.</param>
/// <param name="FailedRdOperations">Reads that failed.</param>
/// <param name="FailedWrOperations">Writes that failed.</param>
public sealed record BlockDeviceStats(
    [property: JsonPropertyName("rd_bytes")] long RdBytes,
    [property: JsonPropertyName("wr_bytes")] long WrBytes,
    [property: JsonPropertyName("rd_operations")] long RdOperations,
    [property: JsonPropertyName("wr_operations")] long WrOperations,
    [property: JsonPropertyName("flush_operations")] long FlushOperations,
    [property: JsonPropertyName("rd_total_time_ns")] long RdTotalTimeNs = 0,
    [property: JsonPropertyName("wr_total_time_ns")] long WrTotalTimeNs = 0,
    [property: JsonPropertyName("flush_total_time_ns")] long FlushTotalTimeNs = 0,
    [property: JsonPropertyName("failed_rd_operations")] long FailedRdOperations = 0,
    [property: JsonPropertyName("failed_wr_operations")] long FailedWrOperations = 0);

/// <summary><c>query-blockstats</c>: I/O counters of every block device (not of their inner nodes).</summary>
public sealed record QueryBlockstatsCommand() : QmpCommand<IReadOnlyList<BlockStats>>("query-blockstats")
{
    /// <inheritdoc />
    public override IReadOnlyList<BlockStats> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListBlockStats);
}

/// <summary>Result of <c>query-balloon</c> (QAPI <c>BalloonInfo</c>).</summary>
/// <param name="Actual">The memory the balloon leaves the guest, in bytes.</param>
public sealed record BalloonInfo(long Actual);

/// <summary>
/// <c>query-balloon</c>: the guest's memory as the balloon sets it. Without a balloon device QEMU answers the
/// error class <see cref="QmpErrorClass.DeviceNotActive"/>.
/// </summary>
public sealed record QueryBalloonCommand() : QmpCommand<BalloonInfo>("query-balloon")
{
    /// <inheritdoc />
    public override BalloonInfo ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.BalloonInfo);
}

/// <summary>
/// <c>balloon</c>: sets the memory the balloon should leave the guest. The reply comes at once; the guest's driver
/// then inflates or deflates the balloon towards the target over the following seconds (follow it with
/// <c>query-balloon</c>). Without a balloon device QEMU answers <see cref="QmpErrorClass.DeviceNotActive"/>. A
/// target above the guest's RAM leaves it all of its RAM.
/// </summary>
/// <param name="Value">The target in bytes; QEMU refuses 0.</param>
public sealed record BalloonCommand(long Value) : QmpEmptyCommand("balloon")
{
    /// <summary>The target in bytes.</summary>
    public long Value { get; } = Value > 0 ? Value : throw new ArgumentOutOfRangeException(nameof(Value), Value, "The balloon target must be positive.");

    /// <inheritdoc />
    public override System.Text.Json.Nodes.JsonObject? BuildArguments() => SerializeArguments(this, QmpJsonContext.Default.BalloonCommand);
}

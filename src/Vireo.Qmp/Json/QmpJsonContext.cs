using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Qmp.Json;

/// <summary>
/// Source-generated JSON metadata for every QMP type (no reflection; the library is AOT-compatible). QAPI spells
/// members in kebab-case; the few legacy snake_case members carry explicit <c>JsonPropertyName</c>s. Constructor
/// parameters without a default are required and non-nullable members reject null, so a reply missing a mandatory
/// member is a shape error rather than a silently defaulted value.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(GreetingMessage))]
[JsonSerializable(typeof(QemuVersionInfo))]
[JsonSerializable(typeof(StatusInfo))]
[JsonSerializable(typeof(KvmInfo))]
[JsonSerializable(typeof(NameInfo))]
[JsonSerializable(typeof(VncInfo))]
[JsonSerializable(typeof(IReadOnlyList<CpuInfoFast>))]
[JsonSerializable(typeof(IReadOnlyList<ChardevInfo>))]
[JsonSerializable(typeof(IReadOnlyList<BlockInfo>))]
[JsonSerializable(typeof(IReadOnlyList<BlockStats>))]
[JsonSerializable(typeof(BalloonInfo))]
[JsonSerializable(typeof(BalloonCommand))]
[JsonSerializable(typeof(IReadOnlyList<HotpluggableCpu>))]
[JsonSerializable(typeof(IReadOnlyList<JobInfo>))]
[JsonSerializable(typeof(IReadOnlyList<MachineInfo>))]
[JsonSerializable(typeof(IReadOnlyList<CommandInfo>))]
[JsonSerializable(typeof(DeviceDelCommand))]
[JsonSerializable(typeof(NetdevDelCommand))]
[JsonSerializable(typeof(SetLinkCommand))]
[JsonSerializable(typeof(BlockdevDelCommand))]
[JsonSerializable(typeof(HumanMonitorCommand))]
[JsonSerializable(typeof(ShutdownEvent))]
[JsonSerializable(typeof(ResetEvent))]
[JsonSerializable(typeof(GuestPanickedEvent))]
[JsonSerializable(typeof(WatchdogEvent))]
[JsonSerializable(typeof(RtcChangeEvent))]
[JsonSerializable(typeof(DeviceDeletedEvent))]
[JsonSerializable(typeof(NicRxFilterChangedEvent))]
[JsonSerializable(typeof(VncConnectedEvent))]
[JsonSerializable(typeof(VncDisconnectedEvent))]
[JsonSerializable(typeof(BlockJobCompletedEvent))]
[JsonSerializable(typeof(BlockJobCancelledEvent))]
[JsonSerializable(typeof(BlockJobErrorEvent))]
[JsonSerializable(typeof(JobStatusChangeEvent))]
internal sealed partial class QmpJsonContext : JsonSerializerContext;

/// <summary>Wire shape of the greeting: <c>{"QMP": {"version": ..., "capabilities": [...]}}</c>.</summary>
internal sealed record GreetingMessage([property: JsonPropertyName("QMP")] GreetingBody Qmp);

/// <summary>The body of the greeting.</summary>
internal sealed record GreetingBody(QemuVersionInfo Version, IReadOnlyList<string> Capabilities);

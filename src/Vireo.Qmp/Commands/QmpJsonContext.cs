using System.Text.Json.Serialization;

namespace Vireo.Qmp;

/// <summary>Source-generated JSON metadata for QMP results. QMP spells members in kebab-case.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower)]
[JsonSerializable(typeof(StatusInfo))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(VncInfo))]
[JsonSerializable(typeof(KvmInfo))]
[JsonSerializable(typeof(NameInfo))]
[JsonSerializable(typeof(List<CpuInfoFast>))]
[JsonSerializable(typeof(List<ChardevInfo>))]
[JsonSerializable(typeof(List<BlockInfo>))]
[JsonSerializable(typeof(List<MachineInfo>))]
[JsonSerializable(typeof(List<CommandInfo>))]
[JsonSerializable(typeof(RunState))]
[JsonSerializable(typeof(string))]
internal sealed partial class QmpJsonContext : JsonSerializerContext;

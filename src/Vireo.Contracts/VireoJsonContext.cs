using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vireo.Contracts;

/// <summary>
/// Source-generated JSON metadata for every API type, so that the CLI can be published with Native AOT.
/// Wire format: snake_case property names, kebab-case enum values, nulls omitted.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(VmSpec))]
[JsonSerializable(typeof(LibvirtImportResult))]
[JsonSerializable(typeof(VmSettings))]
[JsonSerializable(typeof(SnapshotLayout))]
[JsonSerializable(typeof(EditResult))]
[JsonSerializable(typeof(VmInfo))]
[JsonSerializable(typeof(VmSummary))]
[JsonSerializable(typeof(List<VmSummary>))]
[JsonSerializable(typeof(ShutdownRequest))]
[JsonSerializable(typeof(ActionResult))]
[JsonSerializable(typeof(HostCheckReport))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(NetworkSpec))]
[JsonSerializable(typeof(NetworkInfo))]
[JsonSerializable(typeof(List<NetworkInfo>))]
[JsonSerializable(typeof(PortForward))]
[JsonSerializable(typeof(List<PortForward>))]
[JsonSerializable(typeof(DhcpReservation))]
[JsonSerializable(typeof(PortForwardRemoved))]
[JsonSerializable(typeof(List<VmAddress>))]
[JsonSerializable(typeof(IReadOnlyList<VmAddress>))]
[JsonSerializable(typeof(IReadOnlyList<NetworkInfo>))]
[JsonSerializable(typeof(IReadOnlyList<PortForward>))]
[JsonSerializable(typeof(ReservationRequest))]
[JsonSerializable(typeof(NicSpec))]
[JsonSerializable(typeof(DiskSpec))]
[JsonSerializable(typeof(List<DiskSpec>))]
[JsonSerializable(typeof(MediumRequest))]
[JsonSerializable(typeof(CloneRequest))]
[JsonSerializable(typeof(CloneResult))]
[JsonSerializable(typeof(RenameRequest))]
[JsonSerializable(typeof(UndefineResult))]
[JsonSerializable(typeof(NetworkDoctorReport))]
[JsonSerializable(typeof(BridgeUplinkRequest))]
[JsonSerializable(typeof(BridgeUplinkResult))]
[JsonSerializable(typeof(PoolSpec))]
[JsonSerializable(typeof(PoolInfo))]
[JsonSerializable(typeof(List<PoolInfo>))]
[JsonSerializable(typeof(IReadOnlyList<PoolInfo>))]
[JsonSerializable(typeof(VolumeCreateRequest))]
[JsonSerializable(typeof(VolumeResizeRequest))]
[JsonSerializable(typeof(VolumeCopyRequest))]
[JsonSerializable(typeof(VolumeImportRequest))]
[JsonSerializable(typeof(VolumeInfo))]
[JsonSerializable(typeof(List<VolumeInfo>))]
[JsonSerializable(typeof(IReadOnlyList<VolumeInfo>))]
[JsonSerializable(typeof(OperationInfo))]
[JsonSerializable(typeof(List<OperationInfo>))]
[JsonSerializable(typeof(IReadOnlyList<OperationInfo>))]
[JsonSerializable(typeof(SnapshotCreateRequest))]
[JsonSerializable(typeof(SnapshotRevertRequest))]
[JsonSerializable(typeof(SnapshotInfo))]
[JsonSerializable(typeof(List<SnapshotInfo>))]
[JsonSerializable(typeof(IReadOnlyList<SnapshotInfo>))]
[JsonSerializable(typeof(List<SnapshotDisk>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(BackupRequest))]
[JsonSerializable(typeof(BackupInfo))]
[JsonSerializable(typeof(List<BackupInfo>))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestoreResult))]
[JsonSerializable(typeof(OperationLine<BackupInfo>))]
[JsonSerializable(typeof(OperationLine<RestoreResult>))]
[JsonSerializable(typeof(VmStats))]
[JsonSerializable(typeof(StatsReport))]
[JsonSerializable(typeof(OsSummary))]
[JsonSerializable(typeof(List<OsSummary>))]
[JsonSerializable(typeof(OsDetails))]
[JsonSerializable(typeof(AgentPingResult))]
[JsonSerializable(typeof(AgentInfo))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(ExecResult))]
[JsonSerializable(typeof(SetUserPasswordRequest))]
public sealed partial class VireoJsonContext : JsonSerializerContext
{
    /// <summary>Options shared by the daemon and the client.</summary>
    public static JsonSerializerOptions WireOptions => Default.Options;
}

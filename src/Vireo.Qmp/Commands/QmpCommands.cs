using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Vireo.Qmp;

/// <summary>
/// Factories for the QMP commands Vireo uses: one method per command, the wire name written once, next to the
/// shape of its arguments and result.
/// </summary>
public static class QmpCommands
{
    /// <summary><c>qmp_capabilities</c>: leaves capabilities-negotiation mode (done by the client itself).</summary>
    public static QmpCommand<QmpEmpty> QmpCapabilities() => Empty("qmp_capabilities");

    /// <summary><c>query-status</c>: the VM's run state.</summary>
    public static QmpCommand<StatusInfo> QueryStatus() => new("query-status", null, r =>
    {
        var info = Parse(r, QmpJsonContext.Default.StatusInfo);
        return info with { State = ParseRunState(info.Status) };
    });

    /// <summary><c>cont</c>: resumes the vCPUs (after -S or stop).</summary>
    public static QmpCommand<QmpEmpty> Cont() => Empty("cont");

    /// <summary><c>stop</c>: pauses the vCPUs.</summary>
    public static QmpCommand<QmpEmpty> Stop() => Empty("stop");

    /// <summary><c>system_powerdown</c>: presses the ACPI power button.</summary>
    public static QmpCommand<QmpEmpty> SystemPowerdown() => Empty("system_powerdown");

    /// <summary><c>system_reset</c>: hard reset.</summary>
    public static QmpCommand<QmpEmpty> SystemReset() => Empty("system_reset");

    /// <summary><c>system_wakeup</c>: wakes a guest from ACPI S3.</summary>
    public static QmpCommand<QmpEmpty> SystemWakeup() => Empty("system_wakeup");

    /// <summary><c>quit</c>: QEMU exits at once. Prefer <see cref="QmpClient.QuitAsync"/>, which tolerates the socket closing.</summary>
    public static QmpCommand<QmpEmpty> Quit() => Empty("quit");

    /// <summary><c>query-version</c>.</summary>
    public static QmpCommand<VersionInfo> QueryVersion() => new("query-version", null, r => Parse(r, QmpJsonContext.Default.VersionInfo));

    /// <summary><c>query-vnc</c>.</summary>
    public static QmpCommand<VncInfo> QueryVnc() => new("query-vnc", null, r => Parse(r, QmpJsonContext.Default.VncInfo));

    /// <summary><c>query-kvm</c>.</summary>
    public static QmpCommand<KvmInfo> QueryKvm() => new("query-kvm", null, r => Parse(r, QmpJsonContext.Default.KvmInfo));

    /// <summary><c>query-name</c>.</summary>
    public static QmpCommand<NameInfo> QueryName() => new("query-name", null, r => Parse(r, QmpJsonContext.Default.NameInfo));

    /// <summary><c>query-cpus-fast</c>.</summary>
    public static QmpCommand<List<CpuInfoFast>> QueryCpusFast() => new("query-cpus-fast", null, r => Parse(r, QmpJsonContext.Default.ListCpuInfoFast));

    /// <summary><c>query-chardev</c>.</summary>
    public static QmpCommand<List<ChardevInfo>> QueryChardev() => new("query-chardev", null, r => Parse(r, QmpJsonContext.Default.ListChardevInfo));

    /// <summary><c>query-block</c>.</summary>
    public static QmpCommand<List<BlockInfo>> QueryBlock() => new("query-block", null, r => Parse(r, QmpJsonContext.Default.ListBlockInfo));

    /// <summary><c>query-machines</c>.</summary>
    public static QmpCommand<List<MachineInfo>> QueryMachines() => new("query-machines", null, r => Parse(r, QmpJsonContext.Default.ListMachineInfo));

    /// <summary><c>query-commands</c>.</summary>
    public static QmpCommand<List<CommandInfo>> QueryCommands() => new("query-commands", null, r => Parse(r, QmpJsonContext.Default.ListCommandInfo));

    /// <summary><c>device_add</c>: hot-plugs a device; <paramref name="properties"/> holds driver, id and the rest (the same object as -device).</summary>
    public static QmpCommand<QmpEmpty> DeviceAdd(JsonObject properties) => Empty("device_add", properties);

    /// <summary><c>device_del</c>: asks the guest to release a device; completion is the DEVICE_DELETED event.</summary>
    public static QmpCommand<QmpEmpty> DeviceDel(string id) => Empty("device_del", new JsonObject { ["id"] = id });

    /// <summary><c>netdev_add</c>: adds a host network backend (the same object as -netdev).</summary>
    public static QmpCommand<QmpEmpty> NetdevAdd(JsonObject properties) => Empty("netdev_add", properties);

    /// <summary><c>netdev_del</c>.</summary>
    public static QmpCommand<QmpEmpty> NetdevDel(string id) => Empty("netdev_del", new JsonObject { ["id"] = id });

    /// <summary><c>blockdev-add</c>: adds a block node (the same object as -blockdev).</summary>
    public static QmpCommand<QmpEmpty> BlockdevAdd(JsonObject properties) => Empty("blockdev-add", properties);

    /// <summary><c>blockdev-del</c>.</summary>
    public static QmpCommand<QmpEmpty> BlockdevDel(string nodeName) => Empty("blockdev-del", new JsonObject { ["node-name"] = nodeName });

    /// <summary><c>human-monitor-command</c>: runs an HMP command line and returns its text output.</summary>
    public static QmpCommand<string> HumanMonitorCommand(string commandLine) =>
        new("human-monitor-command", new JsonObject { ["command-line"] = commandLine }, r => r.GetString() ?? "");

    /// <summary>Maps QEMU's spelling of a run state; states newer than this client read as Unknown.</summary>
    public static RunState ParseRunState(string status)
    {
        try
        {
            return JsonSerializer.Deserialize(JsonSerializer.Serialize(status, QmpJsonContext.Default.String), QmpJsonContext.Default.RunState);
        }
        catch (JsonException)
        {
            return RunState.Unknown;
        }
    }

    private static QmpCommand<QmpEmpty> Empty(string name, JsonObject? arguments = null) => new(name, arguments, _ => default);

    private static T Parse<T>(JsonElement element, JsonTypeInfo<T> type) =>
        element.Deserialize(type) ?? throw new JsonException($"null where {typeof(T).Name} was expected");
}

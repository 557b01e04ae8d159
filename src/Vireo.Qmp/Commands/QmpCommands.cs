using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>Factory methods for the typed commands, so call sites read <c>ExecuteAsync(QmpCommands.QueryStatus())</c>.</summary>
public static class QmpCommands
{
    /// <summary><c>qmp_capabilities</c>.</summary>
    public static QmpCapabilitiesCommand QmpCapabilities() => new();

    /// <summary><c>query-status</c>.</summary>
    public static QueryStatusCommand QueryStatus() => new();

    /// <summary><c>cont</c>.</summary>
    public static ContCommand Cont() => new();

    /// <summary><c>stop</c>.</summary>
    public static StopCommand Stop() => new();

    /// <summary><c>system_powerdown</c>.</summary>
    public static SystemPowerdownCommand SystemPowerdown() => new();

    /// <summary><c>system_reset</c>.</summary>
    public static SystemResetCommand SystemReset() => new();

    /// <summary><c>system_wakeup</c>.</summary>
    public static SystemWakeupCommand SystemWakeup() => new();

    /// <summary><c>quit</c>; prefer <see cref="QmpClient.QuitAsync"/>.</summary>
    public static QuitCommand Quit() => new();

    /// <summary><c>query-version</c>.</summary>
    public static QueryVersionCommand QueryVersion() => new();

    /// <summary><c>query-vnc</c>.</summary>
    public static QueryVncCommand QueryVnc() => new();

    /// <summary><c>query-cpus-fast</c>.</summary>
    public static QueryCpusFastCommand QueryCpusFast() => new();

    /// <summary><c>query-kvm</c>.</summary>
    public static QueryKvmCommand QueryKvm() => new();

    /// <summary><c>query-name</c>.</summary>
    public static QueryNameCommand QueryName() => new();

    /// <summary><c>query-chardev</c>.</summary>
    public static QueryChardevCommand QueryChardev() => new();

    /// <summary><c>query-block</c>.</summary>
    public static QueryBlockCommand QueryBlock() => new();

    /// <summary><c>query-blockstats</c>: I/O counters per block device.</summary>
    public static QueryBlockstatsCommand QueryBlockstats() => new();

    /// <summary><c>query-balloon</c>: the balloon's current size (DeviceNotActive without a balloon).</summary>
    public static QueryBalloonCommand QueryBalloon() => new();

    /// <summary><c>balloon</c>: the memory the balloon should leave the guest.</summary>
    /// <param name="bytes">The target in bytes (positive).</param>
    public static BalloonCommand Balloon(long bytes) => new(bytes);

    /// <summary><c>query-hotpluggable-cpus</c>: the CPU slots, filled and empty.</summary>
    public static QueryHotpluggableCpusCommand QueryHotpluggableCpus() => new();

    /// <summary><c>device_add</c> of a CPU into an empty slot from <see cref="QueryHotpluggableCpus"/>.</summary>
    /// <param name="slot">The empty slot.</param>
    /// <param name="id">The new CPU's device id.</param>
    public static DeviceAddCommand CpuAdd(HotpluggableCpu slot, string id) =>
        new((slot ?? throw new ArgumentNullException(nameof(slot))).ToDeviceArguments(id));

    /// <summary><c>query-machines</c>.</summary>
    public static QueryMachinesCommand QueryMachines() => new();

    /// <summary><c>query-commands</c>.</summary>
    public static QueryCommandsCommand QueryCommands() => new();

    /// <summary><c>device_add</c> with the device's properties (<c>driver</c>, <c>id</c>, ...).</summary>
    /// <param name="arguments">The device properties; must contain a string <c>driver</c>.</param>
    public static DeviceAddCommand DeviceAdd(JsonObject arguments) => new(arguments);

    /// <summary><c>device_del</c>.</summary>
    /// <param name="id">The device id.</param>
    public static DeviceDelCommand DeviceDel(string id) => new(id);

    /// <summary><c>netdev_add</c> with the backend's properties (<c>type</c>, <c>id</c>, ...).</summary>
    /// <param name="arguments">The backend properties; must contain string <c>type</c> and <c>id</c>.</param>
    public static NetdevAddCommand NetdevAdd(JsonObject arguments) => new(arguments);

    /// <summary><c>netdev_del</c>.</summary>
    /// <param name="id">The netdev id.</param>
    public static NetdevDelCommand NetdevDel(string id) => new(id);

    /// <summary><c>set_link</c>.</summary>
    /// <param name="name">The NIC's device id.</param>
    /// <param name="up">True for link up.</param>
    public static SetLinkCommand SetLink(string name, bool up) => new(name, up);

    /// <summary><c>blockdev-add</c> with a <c>BlockdevOptions</c> object.</summary>
    /// <param name="arguments">The node options; must contain a string <c>driver</c>.</param>
    public static BlockdevAddCommand BlockdevAdd(JsonObject arguments) => new(arguments);

    /// <summary><c>blockdev-del</c>.</summary>
    /// <param name="nodeName">The node name.</param>
    public static BlockdevDelCommand BlockdevDel(string nodeName) => new(nodeName);

    /// <summary><c>blockdev-change-medium</c>: puts an image (read-only, explicit format) into a removable drive.</summary>
    public static BlockdevChangeMediumCommand BlockdevChangeMedium(string id, string filename, string format) => new(id, filename, format);

    /// <summary><c>eject</c> (forced): empties a removable drive.</summary>
    public static EjectCommand Eject(string id) => new(id);

    /// <summary><c>block_resize</c>: sets a block node's size (bytes, a multiple of 512) while the guest runs.</summary>
    public static BlockResizeCommand BlockResize(string nodeName, long size) => new(nodeName, size);

    /// <summary><c>query-jobs</c>: every job, including concluded ones not yet dismissed.</summary>
    public static QueryJobsCommand QueryJobs() => new();

    /// <summary><c>job-dismiss</c>: forgets a concluded job.</summary>
    public static JobDismissCommand JobDismiss(string id) => new(id);

    /// <summary><c>job-cancel</c>: asks a job to stop.</summary>
    public static JobCancelCommand JobCancel(string id) => new(id);

    /// <summary><c>job-finalize</c>: finalises a pending job started with auto-finalize off.</summary>
    public static JobFinalizeCommand JobFinalize(string id) => new(id);

    /// <summary><c>transaction</c>: block actions applied atomically at one point in time.</summary>
    public static TransactionCommand Transaction(IReadOnlyList<TransactionAction> actions, bool grouped = false) =>
        new(actions) { Grouped = grouped };

    /// <summary><c>human-monitor-command</c>.</summary>
    /// <param name="commandLine">The HMP command line, e.g. <c>info version</c>.</param>
    public static HumanMonitorCommand HumanMonitor(string commandLine) => new(commandLine);
}

using Vireo.Contracts;

namespace Vireo.Core.Engine;

/// <summary>User-requested lifecycle actions.</summary>
public enum VmAction
{
    Start,
    Shutdown,
    Destroy,
    Reboot,
    Reset,
    Suspend,
    Resume,
    Undefine,
    Console,
    /// <summary>Adding or removing a device (a NIC): live on a running or paused VM, in the spec otherwise.</summary>
    ChangeDevices,
    /// <summary>Creating, reverting or deleting a snapshot: live with a QEMU process, offline (qemu-img) without one.</summary>
    Snapshot,
    /// <summary>A backup: live on a running or paused VM, from the image files of a stopped one.</summary>
    Backup,
    /// <summary>Replacing the disks with a backup's state: only while stopped.</summary>
    Restore,
    /// <summary>Giving the VM another name: only while stopped.</summary>
    Rename,
    /// <summary>Cloning the VM (its disks are read, or turned into bases): only while stopped.</summary>
    Clone,
}

/// <summary>
/// Which actions each state allows, and the message that explains a refusal. Pure: the engine asks before it
/// acts, and the answer never depends on anything but the state (and whether a QEMU process exists).
/// </summary>
public static class VmStateMachine
{
    /// <summary>Null when <paramref name="action"/> is allowed, else a message saying why not and what to do.</summary>
    public static string? Refusal(string name, VmState state, bool hasProcess, VmAction action) => action switch
    {
        VmAction.Start => state switch
        {
            VmState.Stopped => null,
            VmState.Crashed when !hasProcess => null,
            VmState.Crashed => $"VM \"{name}\" crashed and its QEMU process is preserved for inspection; `vireo destroy {name}` first",
            VmState.Paused => $"VM \"{name}\" is paused; `vireo resume {name}` continues it",
            _ => $"VM \"{name}\" is already {Describe(state)}",
        },
        VmAction.Shutdown => state switch
        {
            VmState.Running => null,
            VmState.ShuttingDown => $"VM \"{name}\" is already shutting down; `vireo destroy {name}` forces it off",
            VmState.Paused => $"VM \"{name}\" is paused and cannot react to an ACPI request; `vireo resume {name}` first, or `vireo destroy {name}`",
            VmState.Starting => $"VM \"{name}\" is still starting; try again in a moment",
            _ => NotRunning(name, state),
        },
        VmAction.Destroy => hasProcess ? null : NotRunning(name, state),
        VmAction.ChangeDevices => state is VmState.Starting or VmState.ShuttingDown
            ? $"VM \"{name}\" is {Describe(state)}; change its devices when it is running or stopped"
            : null,
        VmAction.Reboot => state switch
        {
            VmState.Running => null,
            VmState.Paused => $"VM \"{name}\" is paused; `vireo resume {name}` first, or `vireo reset {name}`",
            _ => NotRunning(name, state),
        },
        VmAction.Reset => state is VmState.Running or VmState.Paused or VmState.ShuttingDown ? null : NotRunning(name, state),
        VmAction.Suspend => state switch
        {
            VmState.Running => null,
            VmState.Paused => $"VM \"{name}\" is already paused",
            _ => NotRunning(name, state),
        },
        VmAction.Resume => state switch
        {
            VmState.Paused => null,
            VmState.Running => $"VM \"{name}\" is not paused",
            _ => NotRunning(name, state),
        },
        VmAction.Undefine => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? $"VM \"{name}\" is {Describe(state)}; stop it first (`vireo shutdown {name}` or `vireo destroy {name}`), then undefine"
            : null,
        VmAction.Backup => state is VmState.Starting or VmState.ShuttingDown
            ? $"VM \"{name}\" is {Describe(state)}; back it up when it is running, paused or stopped"
            : null,
        VmAction.Restore => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? $"VM \"{name}\" is {Describe(state)}; its disks are only replaced while it is stopped: `vireo shutdown {name}` first, then restore"
            : null,
        VmAction.Rename => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? $"VM \"{name}\" is {Describe(state)}; a VM is renamed only while it is stopped"
            : null,
        VmAction.Clone => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? $"VM \"{name}\" is {Describe(state)}; a clone copies its disks, which must not change meanwhile: shut it down first"
            : null,
        VmAction.Console => hasProcess && state is not VmState.Starting ? null : NotRunning(name, state),
        VmAction.Snapshot => state switch
        {
            VmState.Stopped or VmState.Running or VmState.Paused => null,
            VmState.Crashed when !hasProcess => null,
            VmState.Crashed => $"VM \"{name}\" crashed and its QEMU process is preserved for inspection; `vireo destroy {name}` first",
            _ => $"VM \"{name}\" is {Describe(state)}; snapshots are taken, reverted and deleted when it is running, paused or stopped",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>True when a QEMU process is expected to exist in this state.</summary>
    public static bool ExpectsProcess(VmState state) =>
        state is VmState.Starting or VmState.Running or VmState.Paused or VmState.ShuttingDown;

    /// <summary>The wire spelling of a state (kebab-case), used in messages and in the store.</summary>
    public static string Describe(VmState state) => state switch
    {
        VmState.ShuttingDown => "shutting-down",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a stored state; unknown text (from a newer build) reads as Crashed so nothing is started twice.</summary>
    public static VmState Parse(string text) => text switch
    {
        "stopped" => VmState.Stopped,
        "starting" => VmState.Starting,
        "running" => VmState.Running,
        "paused" => VmState.Paused,
        "shutting-down" => VmState.ShuttingDown,
        "crashed" => VmState.Crashed,
        _ => VmState.Crashed,
    };

    private static string NotRunning(string name, VmState state) =>
        $"VM \"{name}\" is not running (it is {Describe(state)}); `vireo start {name}` starts it";
}

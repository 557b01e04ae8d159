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
    /// <summary>Changing the definition (edit, set): live where QEMU can, else pending until the next start.</summary>
    Edit,
}

/// <summary>
/// Why an action is refused (<see cref="Message"/>, a plain sentence a web page can show as it is) and what to do
/// about it (<see cref="Hint"/>, which may name a command; null when there is nothing to do).
/// </summary>
public sealed record VmRefusal(string Message, string? Hint);

/// <summary>
/// Which actions each state allows, and the refusal that explains why not and what to do. Pure: the engine asks
/// before it acts, and the answer never depends on anything but the state (and whether a QEMU process exists).
/// </summary>
public static class VmStateMachine
{
    /// <summary>Null when <paramref name="action"/> is allowed, else why not and what to do.</summary>
    public static VmRefusal? Refusal(string name, VmState state, bool hasProcess, VmAction action) => action switch
    {
        VmAction.Start => state switch
        {
            VmState.Stopped => null,
            VmState.Crashed when !hasProcess => null,
            VmState.Crashed => Preserved(name),
            VmState.Paused => new($"VM \"{name}\" is paused", Hint: $"Continue it: vireo resume {name}"),
            _ => new($"VM \"{name}\" is already {Describe(state)}", Hint: null),
        },
        VmAction.Shutdown => state switch
        {
            VmState.Running => null,
            VmState.ShuttingDown => new($"VM \"{name}\" is already shutting down", Hint: $"Force it off: vireo destroy {name}"),
            VmState.Paused => new($"VM \"{name}\" is paused and cannot react to an ACPI request",
                Hint: $"Resume it first (vireo resume {name}), or force it off: vireo destroy {name}"),
            VmState.Starting => new($"VM \"{name}\" is still starting", Hint: "Try again in a moment"),
            _ => AlreadyOff(name, state),
        },
        VmAction.Destroy => hasProcess ? null : AlreadyOff(name, state),
        VmAction.Edit => state is VmState.Starting or VmState.ShuttingDown
            ? new($"VM \"{name}\" is {Describe(state)}; its definition changes only while it is running, paused or stopped", Hint: "Try again when it has started or stopped")
            : null,
        VmAction.ChangeDevices => state is VmState.Starting or VmState.ShuttingDown
            ? new($"VM \"{name}\" is {Describe(state)}; its devices change only while it is running or stopped", Hint: "Try again when it has started or stopped")
            : null,
        VmAction.Reboot => state switch
        {
            VmState.Running => null,
            VmState.Paused => new($"VM \"{name}\" is paused and cannot react to an ACPI request",
                Hint: $"Resume it first (vireo resume {name}), or reset it: vireo reset {name}"),
            _ => NotRunning(name, state, hasProcess),
        },
        VmAction.Reset => state is VmState.Running or VmState.Paused or VmState.ShuttingDown ? null : NotRunning(name, state, hasProcess),
        VmAction.Suspend => state switch
        {
            VmState.Running => null,
            VmState.Paused => new($"VM \"{name}\" is already paused", Hint: null),
            _ => NotRunning(name, state, hasProcess),
        },
        VmAction.Resume => state switch
        {
            VmState.Paused => null,
            VmState.Running => new($"VM \"{name}\" is not paused", Hint: null),
            _ => NotRunning(name, state, hasProcess),
        },
        VmAction.Undefine => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? new($"VM \"{name}\" is {Describe(state)}; only a stopped VM is undefined",
                Hint: $"Stop it first (vireo shutdown {name}, or vireo destroy {name}), then undefine it")
            : null,
        VmAction.Backup => state is VmState.Starting or VmState.ShuttingDown
            ? new($"VM \"{name}\" is {Describe(state)}; it is backed up when it is running, paused or stopped", Hint: "Try again when it has started or stopped")
            : null,
        VmAction.Restore => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? new($"VM \"{name}\" is {Describe(state)}; its disks are only replaced while it is stopped",
                Hint: $"Shut it down first (vireo shutdown {name}), then restore")
            : null,
        VmAction.Rename => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? new($"VM \"{name}\" is {Describe(state)}; a VM is renamed only while it is stopped",
                Hint: $"Shut it down first (vireo shutdown {name}), then rename it")
            : null,
        VmAction.Clone => hasProcess || state is not (VmState.Stopped or VmState.Crashed)
            ? new($"VM \"{name}\" is {Describe(state)}; a clone copies its disks, which must not change meanwhile",
                Hint: $"Shut it down first (vireo shutdown {name}), then clone it")
            : null,
        VmAction.Console => hasProcess && state is not VmState.Starting ? null : NotRunning(name, state, hasProcess),
        VmAction.Snapshot => state switch
        {
            VmState.Stopped or VmState.Running or VmState.Paused => null,
            VmState.Crashed when !hasProcess => null,
            VmState.Crashed => Preserved(name),
            _ => new($"VM \"{name}\" is {Describe(state)}; snapshots are taken, reverted and deleted when it is running, paused or stopped",
                Hint: "Try again when it has started or stopped"),
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

    /// <summary>An action that needs a running guest, on a VM that has none.</summary>
    private static VmRefusal NotRunning(string name, VmState state, bool hasProcess) => state switch
    {
        VmState.Starting => new($"VM \"{name}\" is still starting", Hint: "Try again in a moment"),
        VmState.ShuttingDown => new($"VM \"{name}\" is shutting down",
            Hint: $"Wait until it has stopped (or force it off: vireo destroy {name}), then start it: vireo start {name}"),
        VmState.Crashed when hasProcess => new($"VM \"{name}\" is not running (it crashed; its QEMU process is kept for inspection)",
            Hint: $"End that process (vireo destroy {name}), then start it: vireo start {name}"),
        _ => new($"VM \"{name}\" is not running (it is {Describe(state)})", Hint: $"Start it: vireo start {name}"),
    };

    /// <summary>A stop of a VM that has no process: there is nothing to do.</summary>
    private static VmRefusal AlreadyOff(string name, VmState state) =>
        new($"VM \"{name}\" is not running (it is {Describe(state)})", Hint: null);

    private static VmRefusal Preserved(string name) =>
        new($"VM \"{name}\" crashed and its QEMU process is kept for inspection",
            Hint: $"End that process first: vireo destroy {name}");
}

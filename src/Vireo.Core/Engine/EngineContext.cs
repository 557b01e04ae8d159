using Microsoft.Extensions.Logging;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

/// <summary>What every VM of an engine shares: the store, the paths, the planner, the QEMU binary.</summary>
internal sealed class EngineContext
{
    public required VireoStore Store { get; init; }
    public required StatePaths Paths { get; init; }
    public required ILogger Logger { get; init; }
    public required string Emulator { get; init; }
    public required VmPlanner Planner { get; init; }
    /// <summary>Receives every QMP message when debug logging is on; null otherwise.</summary>
    public Action<string>? QmpTrace { get; init; }
    /// <summary>Asks the engine to restart a crashed VM (on_crash: restart) after the given back-off.</summary>
    public required Action<VirtualMachine, TimeSpan> ScheduleCrashRestart { get; init; }
    /// <summary>This vireod start is the first since the host rebooted (see <see cref="HostBoot"/>).</summary>
    public bool HostRebooted { get; init; }
    /// <summary>Where every change is announced (GET /v1/events).</summary>
    public Vireo.Core.Events.EventBus Events { get; init; } = new();
}

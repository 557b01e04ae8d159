using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

/// <summary>
/// One VM: its definition, its state, and (while it has one) its QEMU session.
/// Operations are serialised by <see cref="_ops"/> (one at a time per VM; different VMs run concurrently; who waits
/// and who is refused at once: VirtualMachine.Lock.cs).
/// State is guarded by <see cref="_gate"/>, a short lock that QMP events also take, so an operation waiting for
/// the guest to power off never blocks the event that tells it so.
/// </summary>
internal sealed partial class VirtualMachine
{
    private readonly EngineContext _ctx;
    private readonly SemaphoreSlim _ops = new(1, 1);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();

    private VmSpec _spec;
    private VmState _state;
    private string? _reason;
    private QemuSession? _session;
    private RuntimeFacts? _runtime;

    public VirtualMachine(EngineContext ctx, VmSpec spec, VmState state, string? reason, DateTimeOffset definedAt)
    {
        _ctx = ctx;
        _spec = spec;
        _state = state;
        _reason = reason;
        DefinedAt = definedAt;
        Paths = ctx.Paths.ForVm(Uuid);
    }

    public string Name => _spec.Name;
    public string Uuid => _spec.Uuid!;
    public DateTimeOffset DefinedAt { get; }
    public VmPaths Paths { get; }
    private ILogger Log => _ctx.Logger;

    public VmSpec Spec
    {
        get { lock (_gate) return _spec; }
    }

    public VmState State
    {
        get { lock (_gate) return _state; }
    }

    public bool HasProcess
    {
        get { lock (_gate) return _session is not null; }
    }

    public VmSummary Summary()
    {
        lock (_gate)
        {
            return new VmSummary
            {
                Name = _spec.Name,
                Uuid = Uuid,
                State = _state,
                Vcpus = _spec.Vcpus,
                Memory = _spec.Memory,
                Autostart = _spec.Autostart,
                Pid = _session?.Pid,
            };
        }
    }

    public VmInfo Info()
    {
        lock (_gate)
        {
            return new VmInfo
            {
                Name = _spec.Name,
                Uuid = Uuid,
                State = _state,
                Reason = _reason,
                Spec = _spec,
                Revision = _revision,
                PendingSpec = _pending,
                PendingChanges = PendingChangesLocked(),
                DefinedAt = DefinedAt,
                SerialLog = _spec.Serial ? Paths.SerialLog : null,
                CloudInitSeed = _spec.CloudInit is null ? null : Paths.CloudInitSeed,
                Runtime = _session is null || _runtime is null ? null : new VmRuntimeInfo
                {
                    Pid = _session.Pid,
                    Accel = _runtime.Accel,
                    AccelWarning = _runtime.AccelWarning,
                    StartedAt = _runtime.StartedAt,
                    VncPort = _runtime.VncPort,
                    Emulator = _ctx.Emulator,
                    QemuStatus = _session.LastStatus,
                },
            };
        }
    }

    /// <summary>Facts about the current QEMU process that are not in the spec.</summary>
    private sealed record RuntimeFacts(string Accel, string? AccelWarning, DateTimeOffset StartedAt, int? VncPort);

    /// <summary>Runs <paramref name="operation"/> as this VM's only operation, after checking the state allows it.</summary>
    private async Task<T> Serialised<T>(VmAction action, Func<Task<T>> operation, CancellationToken ct, string? intent = null)
    {
        await EnterAsync(action, ct);
        try
        {
            if (_removed)
                throw new NotFoundException("VM", Name);
            ThrowIfRefused(action);
            // The operation journal (issue 18): a kill -9 inside leaves the intent for the next vireod to settle.
            using var journalled = action is VmAction.Console ? null : new Operations.OperationJournal(_ctx.Store).Begin(IntentKind(action), Name, intent is null ? Uuid : $"{Uuid} {intent}");
            return await operation();
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>The journal's kind of a VM action: start, shutdown, change-devices...</summary>
    internal static string IntentKind(VmAction action) =>
        string.Concat(action.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private void ThrowIfRefused(VmAction action)
    {
        VmRefusal? refusal;
        lock (_gate)
            refusal = VmStateMachine.Refusal(_spec.Name, _state, _session is not null, action);
        if (refusal is not null)
            throw new InvalidStateException(refusal.Message) { Hint = refusal.Hint };
    }

    /// <summary>Changes state, persists it in one transaction, and wakes anyone waiting for a change.</summary>
    private void SetState(VmState state, string? reason)
    {
        PromotePendingIfNoProcess();
        VmRuntimeRecord? runtime;
        lock (_gate)
        {
            if (_state == state && _reason == reason)
                return;
            Log.LogInformation("VM {Name}: {From} -> {To}{Reason}", _spec.Name, VmStateMachine.Describe(_state),
                VmStateMachine.Describe(state), reason is null ? "" : $" ({reason})");
            _state = state;
            _reason = reason;
            runtime = RuntimeRecordLocked();
            var previous = _changed;
            _changed = NewSignal();
            previous.TrySetResult();
        }
        _ctx.Store.UpdateState(Uuid, VmStateMachine.Describe(state), reason, runtime);
        _ctx.Events.Publish(new VireoEvent { Type = EventTypes.VmState, Vm = Name, State = VmStateMachine.Describe(state), Message = reason });
        if (state == VmState.Crashed)
            _ctx.Events.Publish(new VireoEvent { Type = EventTypes.HostAlert, Vm = Name, State = "crashed", Message = $"VM \"{Name}\" crashed" + (reason is null ? "" : $": {reason}") });
    }

    /// <summary>Announces a change of the definition (GET /v1/events).</summary>
    private void PublishChanged(string message) =>
        _ctx.Events.Publish(new VireoEvent { Type = EventTypes.VmChanged, Vm = Name, Message = message });

    private VmRuntimeRecord? RuntimeRecordLocked() => _session is null || _runtime is null ? null : new VmRuntimeRecord
    {
        Pid = _session.Pid,
        PidStartTicks = _session.StartTicks,
        Accel = _runtime.Accel,
        StartedAt = _runtime.StartedAt,
        VncPort = _runtime.VncPort,
    };

    private void PersistRuntime()
    {
        VmRuntimeRecord? runtime;
        VmState state;
        string? reason;
        lock (_gate)
        {
            runtime = RuntimeRecordLocked();
            state = _state;
            reason = _reason;
        }
        _ctx.Store.UpdateState(Uuid, VmStateMachine.Describe(state), reason, runtime);
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked under the state lock) or the timeout passes.</summary>
    private async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition())
                    return true;
                changed = _changed.Task;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                return false;
            await Task.WhenAny(changed, Task.Delay(remaining, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private Task<bool> WaitForNoProcessAsync(TimeSpan timeout, CancellationToken ct) =>
        WaitUntilAsync(() => _session is null, timeout, ct);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ActionResult Result(string? message = null) => new() { Name = Name, State = State, Message = message };
}

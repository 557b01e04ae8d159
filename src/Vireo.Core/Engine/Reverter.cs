using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;

namespace Vireo.Core.Engine;

/// <summary>
/// The one undo mechanism for multi-step host changes (modelled on Incus's <c>revert</c> package). Each step that
/// changes the host or the store registers its undo right away (<see cref="Add(string, Action)"/>); the operation
/// calls <see cref="Success"/> once everything is in place. Disposing a reverter that did not succeed (a step threw,
/// or the operation was cancelled) runs the undos in reverse order:
/// <code>
/// await using var revert = new Reverter("vm-start", Log);
/// revert.Step("launch");
/// var session = await LaunchAsync(ct);
/// revert.Add("launch", _ => session.KillAndDisposeAsync());
/// ...
/// revert.Success();
/// </code>
/// An undo is registered BEFORE a command whose effect may happen even when its caller gives up waiting (a QMP
/// command sent to QEMU, a process started): undos must therefore tolerate "already gone". Undos never see the
/// operation's token: each gets its own token that fires after <see cref="UndoTimeout"/>, so a cancelled request
/// still rolls back fully. An undo that throws is logged and the others still run; the caller sees the original
/// exception.
/// </summary>
public sealed class Reverter : IAsyncDisposable
{
    /// <summary>How long one undo may take before its token fires (30 s: QMP's own command timeout).</summary>
    public TimeSpan UndoTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Test-only fault hook: a step whose full name (<c>operation/step</c>) is in this environment variable (names
    /// separated by commas) throws <see cref="HostOperationException"/> instead of running. Read once at startup;
    /// inert unless set. For the steps where no real fault can be produced in a test.
    /// </summary>
    public const string FailAtVariable = "VIREO_TEST_FAIL_AT";

    private static readonly HashSet<string>? FailAt = Environment.GetEnvironmentVariable(FailAtVariable) is { Length: > 0 } v
        ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
        : null;

    /// <summary>
    /// Called with the full name of every step reached, before the step runs (a no-op unless set). Crash tests hook
    /// it to kill vireod at a chosen step boundary; it must not throw unless it means to fail the step.
    /// </summary>
    public static Action<string>? StepReached { get; set; }

    private readonly List<(string Name, Func<CancellationToken, Task> Undo)> _undos = [];
    private readonly ILogger? _log;
    private bool _committed;

    public Reverter(string operation, ILogger? log = null)
    {
        Operation = operation;
        _log = log;
    }

    /// <summary>The operation's stable name (<c>vm-start</c>, <c>nic-hotplug</c>, ...), the prefix of its step names.</summary>
    public string Operation { get; }

    /// <summary>The names of the undos that would run now, newest first.</summary>
    public IReadOnlyList<string> Pending => _undos.Select(u => u.Name).Reverse().ToList();

    /// <summary>What the last dispose undid (newest first) and which undos failed; for logs and tests.</summary>
    public IReadOnlyList<string> Undone { get; private set; } = [];

    /// <summary>The undos that threw, with their errors.</summary>
    public IReadOnlyList<(string Name, Exception Error)> Failures { get; private set; } = [];

    /// <summary>
    /// Marks a step boundary: <see cref="StepReached"/> sees <c>operation/name</c>, and the test fault hook
    /// (<see cref="FailAtVariable"/>) may fail the step here.
    /// </summary>
    public void Step(string name)
    {
        var full = $"{Operation}/{name}";
        StepReached?.Invoke(full);
        if (FailAt is not null && FailAt.Contains(full))
            throw new HostOperationException($"{full}: injected test fault ({FailAtVariable})");
    }

    /// <summary>Registers a synchronous undo.</summary>
    public void Add(string name, Action undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        Add(name, _ =>
        {
            undo();
            return Task.CompletedTask;
        });
    }

    /// <summary>Registers an asynchronous undo; its token fires after <see cref="UndoTimeout"/>, never because the operation was cancelled.</summary>
    public void Add(string name, Func<CancellationToken, Task> undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        ObjectDisposedException.ThrowIf(_committed, this);
        _undos.Add((name, undo));
    }

    /// <summary>Commits: the registered undos are dropped, and disposing does nothing.</summary>
    public void Success()
    {
        _committed = true;
        _undos.Clear();
    }

    /// <summary>Runs the undos now, newest first, unless <see cref="Success"/> was called. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_committed)
            return;
        _committed = true;
        var undone = new List<string>();
        var failures = new List<(string, Exception)>();
        for (var i = _undos.Count - 1; i >= 0; i--)
        {
            var (name, undo) = _undos[i];
            using var timeout = new CancellationTokenSource(UndoTimeout);
            try
            {
                await undo(timeout.Token).ConfigureAwait(false);
                undone.Add(name);
            }
            catch (Exception e)
            {
                failures.Add((name, e));
                _log?.LogWarning("{Operation}: undo of {Step} failed: {Error}", Operation, name, e.Message);
            }
        }
        _undos.Clear();
        Undone = undone;
        Failures = failures;
        if (undone.Count > 0 || failures.Count > 0)
            _log?.LogInformation("{Operation}: rolled back {Steps}", Operation, string.Join(", ", undone.Concat(failures.Select(f => f.Item1 + " (failed)"))));
    }
}

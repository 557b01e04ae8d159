using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Seconds the guest gets to react to the ACPI request of a reboot before it is reset.</summary>
    public const int RebootTimeoutSeconds = 60;

    private TaskCompletionSource? _rebootDone;

    /// <summary>
    /// A clean reboot through the guest, as libvirt's "fake reboot" does: ask for an ACPI power-down; QEMU runs
    /// with -no-shutdown, so when the guest powers off QEMU stays alive and the event loop resets and resumes it.
    /// A guest that ignores ACPI is reset after <see cref="RebootTimeoutSeconds"/>.
    /// </summary>
    public Task<ActionResult> RebootAsync(CancellationToken ct) =>
        Serialised(VmAction.Reboot, async () =>
        {
            var session = CurrentSession();
            var done = NewSignal();
            lock (_gate)
                _rebootDone = done;
            try
            {
                await session.SystemPowerdownAsync(ct);
                Vireo.Host.CrashPoints.Hit("reboot.requested");
                var finished = await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(RebootTimeoutSeconds), ct));
                if (finished == done.Task)
                {
                    await done.Task;
                    return Result("rebooted by the guest");
                }
                Log.LogWarning("VM {Name}: no power-off within {Timeout} s of the ACPI request; resetting", Name, RebootTimeoutSeconds);
                await session.SystemResetAsync(ct);
                return Result($"reset: the guest did not react to the ACPI request within {RebootTimeoutSeconds} s");
            }
            catch (Exception e) when (e is not OperationCanceledException and not Errors.VireoException)
            {
                throw Translate(e, "reboot");
            }
            finally
            {
                lock (_gate)
                    _rebootDone = null;
            }
        }, ct);

    /// <summary>Hard reset, like pressing the reset button.</summary>
    public Task<ActionResult> ResetAsync(CancellationToken ct) =>
        Serialised(VmAction.Reset, async () =>
        {
            await Guard(() => CurrentSession().SystemResetAsync(ct), "reset");
            return Result();
        }, ct);

    public Task<ActionResult> SuspendAsync(CancellationToken ct) =>
        Serialised(VmAction.Suspend, async () =>
        {
            await Guard(() => CurrentSession().StopAsync(ct), "suspend");
            SetState(VmState.Paused, "suspended by request");
            return Result();
        }, ct);

    public Task<ActionResult> ResumeAsync(CancellationToken ct) =>
        Serialised(VmAction.Resume, async () =>
        {
            await Guard(() => CurrentSession().ContAsync(ct), "resume");
            SetState(VmState.Running, null);
            return Result();
        }, ct);

    private async Task Guard(Func<Task> action, string operation)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not OperationCanceledException and not Errors.VireoException)
        {
            throw Translate(e, operation);
        }
    }
}

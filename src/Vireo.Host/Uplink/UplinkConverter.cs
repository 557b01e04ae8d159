using System.Diagnostics;
using Vireo.Host.Os;
using Vireo.Host.Uplink.Persistence;

namespace Vireo.Host.Uplink;

/// <summary>
/// Carries out an <see cref="UplinkPlan"/> like <c>netplan try</c> without a person at the keyboard: apply in one
/// <c>ip -batch</c>, check that the check address answers through the bridge, and on failure or cancellation roll
/// back and verify the NIC is exactly as before. <paramref name="persistence"/> writes the configuration for
/// <c>--persist</c> (default: the real host's, under /), only after the check passed.
/// </summary>
public sealed class UplinkConverter(ICommandRunner runner, PersistentConfigWriter? persistence = null)
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(30);
    private readonly IpReader _ip = new(runner);

    /// <summary>
    /// Applies <paramref name="plan"/>. Throws <see cref="UplinkRolledBackException"/> when the change was undone (the
    /// host is as it was), <see cref="UplinkRollbackFailedException"/> when even the rollback could not restore it.
    /// </summary>
    public async Task<UplinkResult> ApplyAsync(UplinkPlan plan, CancellationToken ct)
    {
        var (br, nic) = (plan.Request.Bridge, plan.Before.Name);
        var total = Stopwatch.StartNew();
        CheckOutcome check;
        TimeSpan applyTook;
        try
        {
            ct.ThrowIfCancellationRequested();
            var apply = await RunBatchAsync(plan.Apply, force: false, ct).ConfigureAwait(false);
            applyTook = total.Elapsed;
            if (!apply.Succeeded)
                await RollBackAndThrowAsync(plan, $"applying the change failed ({apply.FailureSummary})", cancelled: false, null).ConfigureAwait(false);
            check = await CheckAsync(plan, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            await RollBackAndThrowAsync(plan, "the conversion was cancelled", cancelled: true, e).ConfigureAwait(false);
            throw; // not reached
        }
        if (!check.Answered)
            await RollBackAndThrowAsync(plan,
                $"{plan.CheckAddress} ({plan.CheckSource}) did not answer through {br} within {plan.Request.Timeout.TotalSeconds:0.#} s " +
                $"({check.Attempts} {(check.Attempts == 1 ? "ping" : "pings")}{(plan.CheckAnsweredBefore == true ? $", although it answered through {nic} before the change" : "")})",
                cancelled: false, null).ConfigureAwait(false);

        string? persistedTo = null, note = null;
        IReadOnlyList<string> files = [];
        if (plan.Request.Persist)
        {
            // The live change stays either way: it passed its check. A failure to write is reported, not rolled back.
            var outcome = await (persistence ?? new PersistentConfigWriter()).WriteAsync(plan, CancellationToken.None).ConfigureAwait(false);
            (persistedTo, note, files) = (outcome.MainFile, outcome.Note, [.. outcome.Written, .. outcome.Backups]);
        }
        return new UplinkResult(total.Elapsed, check.Latency, persistedTo, note)
        {
            ApplyDuration = applyTook,
            CheckAttempts = check.Attempts,
            PersistedFiles = files,
        };
    }

    private sealed record CheckOutcome(bool Answered, TimeSpan Latency, int Attempts);

    private async Task<CheckOutcome> CheckAsync(UplinkPlan plan, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var attempts = 0;
        while (true)
        {
            attempts++;
            var tryStart = watch.Elapsed;
            if (await ReachabilityProbe.AnswersAsync(runner, plan.Request.Bridge, plan.CheckAddress, ct).ConfigureAwait(false))
                return new CheckOutcome(true, watch.Elapsed, attempts);
            // ping returns at once on "Network is unreachable"; do not spin.
            if (watch.Elapsed - tryStart < TimeSpan.FromMilliseconds(200))
                await Task.Delay(200, ct).ConfigureAwait(false);
            if (watch.Elapsed + ReachabilityProbe.Wait > plan.Request.Timeout)
                return new CheckOutcome(false, watch.Elapsed, attempts);
        }
    }

    private async Task RollBackAndThrowAsync(UplinkPlan plan, string why, bool cancelled, Exception? inner)
    {
        var (br, nic) = (plan.Request.Bridge, plan.Before.Name);
        // Not cancellable: once started, the host must be put back whatever the caller wants.
        var none = CancellationToken.None;
        var rollback = await RunBatchAsync(plan.Rollback, force: true, none).ConfigureAwait(false);
        var differences = new List<string>();
        // IPv6 link-local addresses and their routes reappear a moment after the NIC comes back; give them 2 s.
        for (var i = 0; i < 10; i++)
        {
            differences = await DifferencesAsync(plan, none).ConfigureAwait(false);
            if (differences.Count == 0) break;
            await Task.Delay(200, none).ConfigureAwait(false);
        }
        if (differences.Count > 0)
            throw new UplinkRollbackFailedException(
                $"Converting {nic} into {br} failed: {why}. The rollback ran (ip -force -batch: {(rollback.Succeeded ? "ok" : rollback.FailureSummary)}) " +
                $"but {nic} is NOT as before:\n  - {string.Join("\n  - ", differences)}",
                differences, inner)
            {
                Hint = $"Restore it by hand with these commands:\n  ip {string.Join("\n  ip ", plan.Rollback.Select(l => string.Join(' ', l)))}",
            };
        throw new UplinkRolledBackException(
            $"Converting {nic} into {br} failed: {why}. Everything was rolled back: {br} is gone and {nic} has the same MAC, MTU, " +
            "state, addresses and routes as before.", cancelled, inner);
    }

    private async Task<List<string>> DifferencesAsync(UplinkPlan plan, CancellationToken ct)
    {
        var d = new List<string>();
        if (await _ip.LinkAsync(plan.Request.Bridge, ct).ConfigureAwait(false) is not null)
            d.Add($"bridge {plan.Request.Bridge} still exists");
        var now = await _ip.SnapshotAsync(plan.Before.Name, ct).ConfigureAwait(false);
        if (now is null) d.Add($"{plan.Before.Name} is gone");
        else d.AddRange(plan.Before.DifferencesTo(now));
        return d;
    }

    private async Task<CommandResult> RunBatchAsync(IEnumerable<IReadOnlyList<string>> lines, bool force, CancellationToken ct)
    {
        // Our runner closes stdin, so the batch goes through a private file (0600, its own directory).
        var dir = Directory.CreateTempSubdirectory("vireo-uplink-");
        try
        {
            var file = Path.Combine(dir.FullName, "batch");
            await File.WriteAllTextAsync(file, IpBatch.ToBatchText(lines), ct).ConfigureAwait(false);
            string[] args = force ? ["-force", "-batch", file] : ["-batch", file];
            return await runner.RunAsync("ip", args, BatchTimeout, ct).ConfigureAwait(false);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

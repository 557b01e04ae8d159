using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

/// <summary>
/// Changing a defined VM. <see cref="_spec"/> is what the VM runs with (for a stopped VM, what it starts with);
/// <see cref="_pending"/> is the definition a running VM gets at its next start, when a change could not be
/// applied to QEMU live (as Proxmox keeps pending changes). A VM without a QEMU process never keeps one: the
/// pending definition becomes its definition as soon as no process runs it. <see cref="_revision"/> grows with
/// every change of either, so that two editors cannot overwrite each other.
/// </summary>
internal sealed partial class VirtualMachine
{
    private VmSpec? _pending;
    private long _revision = 1;

    /// <summary>Revision of the definition (see <see cref="VmInfo.Revision"/>).</summary>
    public long Revision
    {
        get { lock (_gate) return _revision; }
    }

    /// <summary>What the VM will start with next: the pending definition, else the one it runs with.</summary>
    public VmSpec Definition
    {
        get { lock (_gate) return _pending ?? _spec; }
    }

    /// <summary>
    /// Replaces the definition with <paramref name="desired"/> (already complete and valid), if the revision is
    /// still <paramref name="expectedRevision"/> (when given). On a VM with a QEMU process: memory goes through the
    /// balloon up to the memory QEMU started with, more vCPUs are hot-plugged up to max_vcpus, and the settings
    /// vireod itself acts on (description, autostart, on_crash) change at once; the rest waits for the next start.
    /// <paramref name="dryRun"/> says what would change and changes nothing.
    /// </summary>
    public Task<EditResult> EditAsync(VmSpec desired, long? expectedRevision, bool dryRun, CancellationToken ct) =>
        Serialised(VmAction.Edit, async () =>
        {
            VmSpec running;
            VmSpec definition;
            QemuSession? session;
            long revision;
            lock (_gate)
            {
                running = _spec;
                definition = _pending ?? _spec;
                session = _session;
                revision = _revision;
            }
            if (expectedRevision is { } expected && expected != revision)
                throw new StaleRevisionException(
                    $"the definition of VM \"{Name}\" has changed since revision {expected} was read (it is now at revision {revision})")
                {
                    Hint = "Read the definition again and make the change on top of it.",
                };

            if (session is null)
                return await EditStoppedAsync(desired, SpecDiff.Compare(definition, desired), revision, dryRun);
            return await EditRunningAsync(session, running, definition, desired, revision, dryRun, ct);
        }, ct);

    private Task<EditResult> EditStoppedAsync(VmSpec desired, IReadOnlyList<SpecChange> changes, long revision, bool dryRun)
    {
        var stored = changes.Select(c => c with { Applied = ChangeTiming.Stored }).ToList();
        if (dryRun || stored.Count == 0)
            return Task.FromResult(EditOutcome(revision, dryRun, stored, []));
        var next = SaveDefinition(revision, desired, null);
        Log.LogInformation("VM {Name}: definition changed ({Fields}), revision {Revision}", Name, string.Join(", ", stored.Select(c => c.Field)), next);
        return Task.FromResult(EditOutcome(next, false, stored, []));
    }

    private async Task<EditResult> EditRunningAsync(QemuSession session, VmSpec running, VmSpec definition, VmSpec desired,
        long revision, bool dryRun, CancellationToken ct)
    {
        // What the running VM becomes: it starts as it is and takes each change QEMU (or vireod) can apply now.
        var live = running with
        {
            Description = desired.Description,
            Autostart = desired.Autostart,
            OnCrash = desired.OnCrash,
        };
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        var memoryCeiling = running.MaxMemory ?? running.Memory;
        if (desired.Memory != running.Memory)
        {
            if (desired.Memory <= memoryCeiling)
            {
                // libvirt's setmem: the balloon moves, the most the VM can have stays what QEMU started with, so
                // the definition keeps that ceiling explicit (max_memory) rather than losing it to the new memory.
                live = live with { Memory = desired.Memory, MaxMemory = memoryCeiling };
                if (desired.MaxMemory is null)
                {
                    desired = desired with { MaxMemory = memoryCeiling };
                    notes["max_memory"] = "kept: the most memory this VM started with";
                }
                notes["memory"] = "through the balloon; the guest gives the memory back (or takes it) within seconds";
            }
            else
            {
                notes["memory"] = $"more than the {SizeParser.FormatMiB(memoryCeiling)} this VM started with (max_memory); set max_memory to allow more at the next start";
            }
        }
        var vcpuCeiling = running.MaxVcpus ?? running.Vcpus;
        if (desired.Vcpus != running.Vcpus)
        {
            if (desired.Vcpus > running.Vcpus && desired.Vcpus <= vcpuCeiling)
            {
                live = live with { Vcpus = desired.Vcpus, MaxVcpus = running.MaxVcpus };
                notes["vcpus"] = "hot-plugged";
            }
            else if (desired.Vcpus > vcpuCeiling)
                notes["vcpus"] = $"more than the {vcpuCeiling} this VM started with (max_vcpus); set max_vcpus to allow more at the next start";
            else
                notes["vcpus"] = "vCPUs are taken away at the next start (the guest would have to give them up)";
        }

        if (!dryRun)
        {
            // A live change QEMU refuses (a QEMU an older Vireo started has no balloon) waits for the next start
            // instead, with the reason in its note: the rest of the edit still applies.
            if (live.Memory != running.Memory)
            {
                try
                {
                    await session.SetBalloonTargetAsync(live.Memory, ct);
                }
                catch (Exception e) when (e is VireoException or QmpCommandException)
                {
                    live = live with { Memory = running.Memory, MaxMemory = running.MaxMemory };
                    notes["memory"] = $"not changed live: {e.Message}";
                    // Nothing moved, so there is no ceiling to keep.
                    if (notes.Remove("max_memory"))
                        desired = desired with { MaxMemory = null };
                }
            }
            if (live.Vcpus != running.Vcpus)
            {
                try
                {
                    var present = await session.PlugVcpusAsync(live.Vcpus, ct);
                    if (present != live.Vcpus)
                    {
                        live = live with { Vcpus = present };
                        notes["vcpus"] = $"QEMU has {present} vCPUs";
                    }
                }
                catch (Exception e) when (e is VireoException or QmpCommandException)
                {
                    // Slots plugged before the failure stay: the running view says what QEMU has now.
                    live = live with { Vcpus = await session.PresentVcpusAsync(ct) };
                    notes["vcpus"] = $"not all hot-plugged: {e.Message}";
                }
            }
        }

        var pending = SpecDiff.Same(live, desired) ? null : desired;
        var classified = SpecDiff.Compare(definition, desired).Select(c =>
        {
            var timing = SpecDiff.ValueOf(live, c.Field) == c.To ? ChangeTiming.Live : ChangeTiming.NextStart;
            var note = notes.GetValueOrDefault(c.Field) ?? (timing == ChangeTiming.NextStart ? "QEMU cannot change this while the VM runs" : null);
            return c with { Applied = timing, Note = note };
        }).ToList();
        var outstanding = pending is null ? [] : SpecDiff.Compare(live, pending)
            .Select(c => c with { Applied = ChangeTiming.NextStart, Note = notes.GetValueOrDefault(c.Field) }).ToList();
        if (dryRun || (classified.Count == 0 && SpecDiff.Same(live, running)))
            return EditOutcome(revision, dryRun, classified, outstanding);

        var next = SaveDefinition(revision, live, pending);
        Log.LogInformation("VM {Name}: definition changed while running ({Live} live, {Pending} pending), revision {Revision}",
            Name, classified.Count(c => c.Applied == ChangeTiming.Live), outstanding.Count, next);
        return EditOutcome(next, false, classified, outstanding);
    }

    /// <summary>Writes the running and pending definitions, bumping the revision; the store checks it too.</summary>
    private long SaveDefinition(long revision, VmSpec spec, VmSpec? pending)
    {
        var next = _ctx.Store.SaveDefinition(Uuid, revision, Json(spec), pending is null ? null : Json(pending))
            ?? throw new StaleRevisionException($"the definition of VM \"{Name}\" changed while it was being saved")
            {
                Hint = "Read the definition again and make the change on top of it.",
            };
        lock (_gate)
        {
            _spec = spec;
            _pending = pending;
            _revision = next;
        }
        PublishChanged($"definition changed (revision {next})");
        return next;
    }

    /// <summary>
    /// A VM left without a QEMU process takes its pending definition (the revision stays: the definition did not
    /// change, only when it applies). Called on every state change; cheap when there is nothing pending.
    /// </summary>
    private void PromotePendingIfNoProcess()
    {
        VmSpec pending;
        long revision;
        lock (_gate)
        {
            if (_pending is null || _session is not null)
                return;
            pending = _pending;
            revision = _revision;
            _spec = pending;
            _pending = null;
        }
        _ctx.Store.SaveDefinition(Uuid, revision, Json(pending), null, bump: false);
        Log.LogInformation("VM {Name}: pending changes now in effect", Name);
        PublishChanged("pending changes now in effect");
    }

    /// <summary>Takes the revision and pending definition stored with the VM (at load).</summary>
    public void TakeStoredDefinition(long revision, VmSpec? pending)
    {
        lock (_gate)
        {
            _revision = revision;
            _pending = pending;
        }
    }

    /// <summary>The pending changes as <see cref="VmInfo"/> shows them; null when none.</summary>
    private IReadOnlyList<SpecChange>? PendingChangesLocked() => _pending is null ? null
        : SpecDiff.Compare(_spec, _pending).Select(c => c with { Applied = ChangeTiming.NextStart }).ToList();

    private EditResult EditOutcome(long revision, bool dryRun, IReadOnlyList<SpecChange> changes, IReadOnlyList<SpecChange> pending)
    {
        var live = changes.Count(c => c.Applied == ChangeTiming.Live);
        var later = changes.Count(c => c.Applied == ChangeTiming.NextStart);
        var stored = changes.Count(c => c.Applied == ChangeTiming.Stored);
        var parts = new List<string>();
        if (stored > 0) parts.Add($"{Count(stored, "change")} {(dryRun ? "would be saved" : "saved")}");
        if (live > 0) parts.Add($"{Count(live, "change")} {(dryRun ? "would be applied" : "applied")} live");
        if (later > 0) parts.Add($"{Count(later, "change")} {(dryRun ? "would be pending" : "pending")} until the next start");
        var message = changes.Count == 0 ? "no changes" : string.Join(", ", parts);
        if (changes.Count == 0 && pending.Count > 0)
            message += $"; {Count(pending.Count, "earlier change")} still pending until the next start";
        return new EditResult
        {
            Name = Name,
            State = State,
            Revision = revision,
            DryRun = dryRun,
            Changes = changes,
            Pending = pending,
            Message = message,
        };
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Json(VmSpec spec) => JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec);
}

using Microsoft.Extensions.Logging;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// The last step of start-up before autostart (issue 18): each intent of the operation journal is an operation
    /// a killed vireod began and never ended. Each is completed or rolled back, logged, listed by
    /// <c>GET /v1/operations</c> (status <c>completed</c> or <c>rolled-back</c>, what was done in its result) and
    /// published as an <c>operation.done</c> event; then its intent is deleted.
    /// </summary>
    private async Task RecoverInterruptedAsync(CancellationToken ct)
    {
        foreach (var intent in _ctx.Store.ListOperationIntents())
        {
            OperationStatus status;
            string note;
            try
            {
                (status, note) = await SettleAsync(intent.Kind, intent.Target, intent.BodyJson, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (status, note) = (OperationStatus.Failed, $"could not be settled: {e.Message}");
            }
            Log.LogWarning("recovery: {Kind} of {Target}, begun at {At} and interrupted when vireod stopped: {Status}: {Note}",
                intent.Kind, intent.Target, intent.StartedAt, status, note);
            Operations.Recovered(intent.Kind, intent.Target, status, note, intent.StartedAt);
            _ctx.Store.DeleteOperationIntent(intent.Id);
        }
    }

    /// <summary>VMs with a reboot under way when vireod died: their re-attach finishes it.</summary>
    private void MarkInterruptedReboots()
    {
        foreach (var intent in _ctx.Store.ListOperationIntents().Where(i => i.Kind is "reboot" or "snapshot"))
        {
            var words = (intent.BodyJson ?? "").Split(' ');
            var vm = _vms.Values.FirstOrDefault(v => string.Equals(v.Uuid, words[0], StringComparison.OrdinalIgnoreCase));
            if (intent.Kind == "reboot")
                vm?.MarkRebootPending();
            else if (words.Length > 1 && words[1] == "revert")
                vm?.MarkRevertPending();
        }
    }

    private async Task<(OperationStatus, string)> SettleAsync(string kind, string target, string? body, CancellationToken ct)
    {
        switch (kind)
        {
            case "clone" when (body ?? "").Split(' ') is [var uuid, var how, ..] && how is "linked" or "heal" && !uuid.Contains('/'):
            {
                // A linked clone (or a heal) of VM target: its files were journalled in the storage journal, which
                // the storage service replayed (undid) at start unless the commit had recorded them.
                if (how == "heal")
                    return Storage.LegacyLinkedVolumes(Find(target).Spec).Count == 0
                        ? (OperationStatus.Completed, $"the volumes of VM {target} under older linked clones are read-only bases now")
                        : (OperationStatus.RolledBack, $"the volumes of VM {target} are as they were (the storage journal put the files back); they become bases at its next clone or vireod start");
                var name = body!.Split(' ')[2];
                return _vms.ContainsKey(name)
                    ? (OperationStatus.Completed, $"linked clone {name} of VM {target} is defined")
                    : (OperationStatus.RolledBack, $"linked clone {name} of VM {target} was not recorded; the storage journal put the source's volumes back and removed the clone's overlays");
            }
            case "clone":
            {
                if (_vms.ContainsKey(target))
                    return (OperationStatus.Completed, $"VM {target} is defined");
                var removed = new List<string>();
                foreach (var volume in (body ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    try
                    {
                        await Storage.DeleteAsync(volume, ct);
                        removed.Add(volume);
                    }
                    catch (Storage.StorageNotFoundException)
                    {
                    }
                }
                return (OperationStatus.RolledBack, removed.Count == 0 ? $"VM {target} was not defined; no copied volume was left"
                    : $"VM {target} was not defined; the volumes copied for it were removed: {string.Join(", ", removed)}");
            }
            case "volume-delete":
            {
                if (Storage.Exists(target))
                    return (OperationStatus.RolledBack, $"volume {target} is still recorded; nothing was deleted");
                if (body is { Length: > 0 } path && File.Exists(path))
                {
                    File.Delete(path);
                    return (OperationStatus.Completed, $"volume {target} was no longer recorded; its file {path} was deleted");
                }
                return (OperationStatus.Completed, $"volume {target} and its file are gone");
            }
            case var k when k.StartsWith("volume-", StringComparison.Ordinal):
            {
                if (Storage.Exists(target))
                    return (OperationStatus.Completed, $"volume {target} is recorded");
                // The file may carry the volume's name without a row (killed between the rename and the insert).
                if (body is { Length: > 0 } path && File.Exists(path))
                {
                    File.Delete(path);
                    return (OperationStatus.RolledBack, $"volume {target} was not recorded; its file {path} was removed");
                }
                return (OperationStatus.RolledBack, $"volume {target} was not recorded; no file was left (temporary files are removed at start)");
            }
            case "network-create" or "network-start" or "forward-add":
                return await _networks.SettleInterruptedAsync(kind, target, body, ct);
            default:
            {
                var words = (body ?? "").Split(' ', 2);
                var vm = _vms.Values.FirstOrDefault(v => string.Equals(v.Uuid, words[0], StringComparison.OrdinalIgnoreCase));
                if (vm is null)
                    return kind switch
                    {
                        "define" => (OperationStatus.RolledBack, $"VM {target} was not recorded; nothing else was made"),
                        "undefine" => (OperationStatus.Completed, $"VM {target} is gone"),
                        _ => (OperationStatus.Completed, $"VM {target} no longer exists"),
                    };
                if (kind == "define")
                    return (OperationStatus.Completed, $"VM {target} is defined");
                return await vm.SettleInterruptedAsync(kind, words.Length > 1 ? words[1] : null, ct);
            }
        }
    }
}

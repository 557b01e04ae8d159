using Microsoft.Extensions.Logging;

namespace Vireo.Core.Engine;

/// <summary>
/// The UEFI variable store in snapshots. Disk snapshots live inside the qcow2 disks; the store is a raw file
/// outside them (pflash1, never part of an internal snapshot: snapshot-save and the disk-only transaction name only
/// the disks), so each snapshot keeps a copy of it beside the VM, taken atomically when the snapshot is, and a
/// revert of a VM without a process puts that copy back before QEMU opens the store.
/// </summary>
internal sealed partial class VirtualMachine
{
    private void SaveSnapshotUefiVars(string snap)
    {
        if (!File.Exists(Paths.UefiVars))
            return;
        Directory.CreateDirectory(Paths.SnapshotsDir);
        UefiVars.CopyAtomic(Paths.UefiVars, Paths.SnapshotUefiVars(snap));
    }

    private void RestoreSnapshotUefiVars(string snap)
    {
        var saved = Paths.SnapshotUefiVars(snap);
        if (!File.Exists(saved))
            return;
        UefiVars.CopyAtomic(saved, Paths.UefiVars);
        Log.LogInformation("VM {Name}: UEFI variables restored from snapshot {Snap}", Name, snap);
    }

    /// <summary>
    /// A snapshot delete sets its copy of the store aside (renamed) before the disks change; the reverter renames it
    /// back. Null when the snapshot has none.
    /// </summary>
    private string? SetSnapshotUefiVarsAside(string snap)
    {
        var saved = Paths.SnapshotUefiVars(snap);
        if (!File.Exists(saved))
            return null;
        var aside = saved + AsideSuffix;
        Vireo.Host.Os.AtomicFile.Rename(saved, aside, overwrite: true);
        return aside;
    }

    private const string AsideSuffix = ".deleting";

    /// <summary>
    /// A revert of a VM without a process keeps the current store aside (a copy) before the snapshot's replaces it,
    /// and registers the undo that puts it back. Returns the copy, which the caller removes once the revert is past
    /// its point of no return; null when there was nothing to keep.
    /// </summary>
    private string? RestoreSnapshotUefiVars(string snap, Reverter revert)
    {
        string? kept = null;
        if (File.Exists(Paths.SnapshotUefiVars(snap)) && File.Exists(Paths.UefiVars))
        {
            kept = Paths.UefiVars + ".before-revert";
            UefiVars.CopyAtomic(Paths.UefiVars, kept);
            revert.Add("uefi-vars", () => Vireo.Host.Os.AtomicFile.Rename(kept, Paths.UefiVars, overwrite: true));
        }
        RestoreSnapshotUefiVars(snap);
        return kept;
    }

    /// <summary>Removes the copy <see cref="RestoreSnapshotUefiVars(string, Reverter)"/> kept, once it is no longer needed.</summary>
    private void DropKeptUefiVars(string? kept)
    {
        if (kept is null)
            return;
        try
        {
            File.Delete(kept);
        }
        catch (IOException e)
        {
            Log.LogWarning("VM {Name}: cannot remove {Path}: {Error}", Name, kept, e.Message);
        }
    }

    /// <summary>Removes a snapshot's copy of the store, and the one a delete set aside.</summary>
    private void DeleteSnapshotUefiVars(string snap)
    {
        foreach (var path in new[] { Paths.SnapshotUefiVars(snap), Paths.SnapshotUefiVars(snap) + AsideSuffix })
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException e)
            {
                Log.LogWarning("VM {Name}: cannot remove the UEFI variables of snapshot {Snap}: {Error}", Name, snap, e.Message);
            }
        }
    }
}

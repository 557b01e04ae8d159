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

    private void DeleteSnapshotUefiVars(string snap)
    {
        try
        {
            File.Delete(Paths.SnapshotUefiVars(snap));
        }
        catch (IOException e)
        {
            Log.LogWarning("VM {Name}: cannot remove the UEFI variables of snapshot {Snap}: {Error}", Name, snap, e.Message);
        }
    }
}

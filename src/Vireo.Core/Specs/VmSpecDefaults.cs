using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// The effective values of fields a spec may leave out and whose default depends on other fields, so the engine
/// and <c>vireo info</c> agree on them. Identity defaults (UUID, MAC) are the engine's: they must be unique per host.
/// </summary>
public static class VmSpecDefaults
{
    /// <summary>virtio for disks; sata for CD-ROMs (virtio-blk cannot emulate a CD-ROM).</summary>
    public static string BusOf(DiskSpec disk) => disk.Bus ?? (disk.Device == "cdrom" ? "sata" : "virtio");

    /// <summary>An ISO image is raw; disks have no default (their format is required, never probed).</summary>
    public static string? FormatOf(DiskSpec disk) => disk.Format ?? (disk.Device == "cdrom" ? "raw" : null);

    /// <summary>CD-ROMs are always read-only.</summary>
    public static bool IsReadonly(DiskSpec disk) => disk.Readonly || disk.Device == "cdrom";

    /// <summary>A copy of <paramref name="spec"/> with every disk's bus, format and read-only flag made explicit.</summary>
    public static VmSpec WithEffectiveDiskDefaults(VmSpec spec) => spec with
    {
        Disks = spec.Disks
            .Select(d => d with { Bus = BusOf(d), Format = FormatOf(d), Readonly = IsReadonly(d) })
            .ToList(),
    };
}

using Vireo.Contracts;

namespace Vireo.Core.Os;

/// <summary>
/// What a spec's <c>os:</c> chooses, from the osinfo database as it states it (no table of Vireo's own), for the
/// fields the spec leaves out: memory (recommended, else minimum), firmware (UEFI when the OS cannot boot from
/// BIOS), the disk bus and the NIC model (virtio when the OS has the drivers, else sata and e1000e, as virt-install
/// gives Windows). The disk size (recommended storage) is used where a new volume is made: <c>vireo create</c>.
/// </summary>
public static class OsDefaults
{
    /// <summary>
    /// <paramref name="spec"/> with <paramref name="os"/>'s defaults in every field <paramref name="given"/> says
    /// the user left out (a path such as <c>memory</c>, <c>boot.firmware</c>, <c>nics[0].model</c>, <c>disks[1].bus</c>).
    /// </summary>
    public static VmSpec Apply(VmSpec spec, ResolvedOs os, Func<string, bool> given)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(os);
        ArgumentNullException.ThrowIfNull(given);
        if (!given("memory") && MemoryMiB(os) is { } memory)
            spec = spec with { Memory = memory };
        if (!given("boot.firmware") && spec.Boot.Kernel is null && NeedsUefi(os))
            spec = spec with { Boot = spec.Boot with { Firmware = "uefi" } };
        spec = spec with
        {
            Disks = spec.Disks.Select((d, i) => d.Device == "disk" && d.Bus is null && !given($"disks[{i}].bus") ? d with { Bus = os.DiskBus } : d).ToList(),
            Nics = spec.Nics.Select((n, i) => given($"nics[{i}].model") ? n : n with { Model = os.NicModel }).ToList(),
        };
        return spec;
    }

    /// <summary>Recommended memory, else the minimum, in MiB (rounded up); null when the database has neither.</summary>
    public static long? MemoryMiB(ResolvedOs os) =>
        (os.Recommended.RamBytes ?? os.Minimum.RamBytes) is { } bytes ? (bytes + (1L << 20) - 1) >> 20 : null;

    /// <summary>True when the OS supports EFI and states that it cannot boot from BIOS (Windows 11, Server 2025).</summary>
    public static bool NeedsUefi(ResolvedOs os) =>
        os.FirmwareSupported.Contains("efi") && os.FirmwareUnsupported.Contains("bios");
}

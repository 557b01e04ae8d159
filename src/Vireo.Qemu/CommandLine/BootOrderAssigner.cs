using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>
/// Maps <see cref="QemuVmConfig.BootOrder"/> onto per-device <c>bootindex</c>, as libvirt does, instead of the
/// legacy <c>-boot order=</c> letters (which cannot tell two disks apart and which firmware may ignore).
/// </summary>
internal static class BootOrderAssigner
{
    public static IReadOnlyList<IQemuDevice> Assign(QemuVmConfig config)
    {
        if (config.BootOrder.Count == 0) return config.Devices;
        var devices = config.Devices.ToArray();
        var next = 1;
        foreach (var kind in config.BootOrder)
        {
            var i = Array.FindIndex(devices, d => d is IBootableDevice b && b.BootKind == kind);
            // A kind with no device (boot from network, no NIC) is skipped, as firmware would skip it.
            if (i < 0) continue;
            devices[i] = ((IBootableDevice)devices[i]).WithBootIndex(next++);
        }
        return devices;
    }
}

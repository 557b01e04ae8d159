using System.Globalization;

namespace Vireo.Qemu;

/// <summary>A QEMU version.</summary>
/// <param name="Major">Major version.</param>
/// <param name="Minor">Minor version.</param>
/// <param name="Micro">Micro (patch) version.</param>
public readonly record struct QemuVersion(int Major, int Minor, int Micro) : IComparable<QemuVersion>
{
    /// <inheritdoc/>
    public int CompareTo(QemuVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Micro.CompareTo(other.Micro);

    /// <summary>Ordering by version.</summary>
    public static bool operator <(QemuVersion a, QemuVersion b) => a.CompareTo(b) < 0;

    /// <summary>Ordering by version.</summary>
    public static bool operator >(QemuVersion a, QemuVersion b) => a.CompareTo(b) > 0;

    /// <summary>Ordering by version.</summary>
    public static bool operator <=(QemuVersion a, QemuVersion b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering by version.</summary>
    public static bool operator >=(QemuVersion a, QemuVersion b) => a.CompareTo(b) >= 0;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Micro}");
}

/// <summary>A machine type listed by <c>-machine help</c>.</summary>
/// <param name="Name">Name, for example <c>q35</c> or <c>pc-q35-7.2</c>.</param>
/// <param name="Description">Human description.</param>
/// <param name="AliasOf">The versioned type this name stands for (<c>q35</c> → <c>pc-q35-7.2</c>), if an alias.</param>
/// <param name="IsDefault">QEMU's default machine when none is given.</param>
/// <param name="IsDeprecated">Marked deprecated by QEMU.</param>
public sealed record QemuMachineType(string Name, string Description, string? AliasOf, bool IsDefault, bool IsDeprecated);

/// <summary>What one QEMU binary supports, as probed by <see cref="QemuProbe"/>.</summary>
public sealed record QemuCapabilities
{
    /// <summary>Device drivers Vireo's device model uses.</summary>
    public static readonly IReadOnlyList<string> ModelDevices =
    [
        "virtio-blk-pci", "virtio-scsi-pci", "scsi-hd", "scsi-cd", "ide-hd", "ide-cd", "virtio-net-pci", "e1000e",
        "rtl8139", "pvpanic", "VGA", "bochs-display", "virtio-serial-pci", "virtserialport", "virtio-rng-pci",
        "isa-serial", "pcie-root-port",
    ];

    /// <summary>Absolute path of the probed binary.</summary>
    public required string BinaryPath { get; init; }

    /// <summary>Version from <c>--version</c>.</summary>
    public required QemuVersion Version { get; init; }

    /// <summary>Distribution package string from <c>--version</c>, for example <c>Debian 1:7.2+dfsg-7+deb12u18+b3</c>.</summary>
    public string? Package { get; init; }

    /// <summary>Machine types, in QEMU's order.</summary>
    public required IReadOnlyList<QemuMachineType> Machines { get; init; }

    /// <summary>Accelerators compiled in (<c>tcg</c>, <c>kvm</c>); KVM may still be unusable without /dev/kvm.</summary>
    public required IReadOnlyList<string> Accelerators { get; init; }

    /// <summary>Device driver names and their aliases from <c>-device help</c>.</summary>
    public required IReadOnlySet<string> Devices { get; init; }

    /// <summary>QEMU's default machine type, if it marks one.</summary>
    public QemuMachineType? DefaultMachine => Machines.FirstOrDefault(m => m.IsDefault);

    /// <summary>True when <paramref name="name"/> is a machine type or alias this binary knows.</summary>
    public bool HasMachine(string name) => Machines.Any(m => m.Name == name);

    /// <summary>The versioned machine type behind <paramref name="name"/> (itself when not an alias); null if unknown.</summary>
    public string? ResolveMachine(string name) =>
        Machines.FirstOrDefault(m => m.Name == name) is { } m ? m.AliasOf ?? m.Name : null;

    /// <summary>True when the accelerator is compiled in.</summary>
    public bool HasAccelerator(string name) => Accelerators.Contains(name);

    /// <summary>True when the device driver (or alias) exists.</summary>
    public bool HasDevice(string driver) => Devices.Contains(driver);

    /// <summary>Those of <see cref="ModelDevices"/> this binary lacks.</summary>
    public IReadOnlyList<string> MissingModelDevices() => ModelDevices.Where(d => !HasDevice(d)).ToArray();
}

/// <summary>Probing a QEMU binary failed.</summary>
public sealed class QemuProbeException(string message, Exception? inner = null) : Exception(message, inner);

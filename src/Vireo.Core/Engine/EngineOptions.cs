namespace Vireo.Core.Engine;

/// <summary>Where the engine keeps its state and finds its images and QEMU.</summary>
public sealed record EngineOptions
{
    public required string StateDir { get; init; }
    public required string ImageDir { get; init; }
    /// <summary>QEMU system emulator; located automatically when null (VIREO_QEMU, PATH, /usr/bin, /usr/libexec).</summary>
    public string? Emulator { get; init; }
    /// <summary>Restart VMs with autostart when the engine opens.</summary>
    public bool Autostart { get; init; } = true;
    /// <summary>Create the <c>default</c> nat network the first time the engine opens this state directory.</summary>
    public bool CreateDefaultNetwork { get; init; } = true;
    /// <summary>Import disk images built into <see cref="ImageDir"/> (image.json naming a disk) into the catalogue at start.</summary>
    public bool RegisterBuiltImages { get; init; } = true;
    /// <summary>QEMU firmware descriptor directories searched for OVMF (env VIREO_FIRMWARE_DIRS, else /etc/qemu/firmware, /usr/share/qemu/firmware).</summary>
    public IReadOnlyList<string> FirmwareDescriptorDirs { get; init; } = Vireo.Host.Firmware.FirmwareLocator.DirsFromEnvironment();
}

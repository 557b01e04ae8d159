namespace Vireo.Qemu;

/// <summary>How QEMU is confined and what it inherits; see <see cref="QemuLauncher.LaunchAsync(string, IReadOnlyList{string}, string, QemuLaunchOptions?, CancellationToken)"/>.</summary>
public sealed record QemuLaunchOptions
{
    /// <summary>The uid QEMU runs as from its first instruction; null keeps vireod's (only for tests of the launcher itself).</summary>
    public int? Uid { get; init; }

    /// <summary>The gid QEMU runs as (required with <see cref="Uid"/>).</summary>
    public int? Gid { get; init; }

    /// <summary>Supplementary groups (e.g. the group of /dev/kvm); empty clears them all.</summary>
    public IReadOnlyList<int> Groups { get; init; } = [];

    /// <summary>Descriptors QEMU inherits: (vireod's fd, the number QEMU sees). Targets must be above <see cref="QemuLauncher.AliveFd"/>.</summary>
    public IReadOnlyList<(int Source, int Target)> InheritedFds { get; init; } = [];

    /// <summary>QEMU's stdout and stderr (appended); default: the pidfile's path with .log.</summary>
    public string? LogPath { get; init; }

    /// <summary>The QMP socket; default: taken from argv.</summary>
    public string? QmpSocketPath { get; init; }
}

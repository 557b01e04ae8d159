using Vireo.Qemu.Model;

namespace Vireo.Qemu.Tests.Support;

/// <summary>Every QEMU a test started, killed by PID (through its handle) on dispose even when the test failed.</summary>
public sealed class QemuProcesses : IAsyncDisposable
{
    private readonly List<QemuProcessHandle> _handles = [];

    public async Task<QemuProcessHandle> LaunchAsync(QemuVmConfig config, CancellationToken ct = default) =>
        await LaunchAsync(TestPaths.Emulator, QemuCommandLine.Build(config), config.PidFilePath, ct);

    public async Task<QemuProcessHandle> LaunchAsync(string emulator, IReadOnlyList<string> argv, string pidFile, CancellationToken ct = default)
    {
        var handle = await QemuLauncher.LaunchAsync(emulator, argv, pidFile, ct);
        _handles.Add(handle);
        return handle;
    }

    /// <summary>PIDs of live processes whose command line carries <c>-uuid <paramref name="uuid"/></c>.</summary>
    public static IReadOnlyList<int> FindByUuid(Guid uuid)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (LinuxProcess.TryReadStat(pid) is not { HasExited: false }) continue;
            if (LinuxProcess.TryReadCmdline(pid) is { } argv && argv.Contains(uuid.ToString("D"))) found.Add(pid);
        }
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in _handles)
        {
            if (h.Kill(UnixSignal.Kill)) await h.WaitForExitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
    }
}

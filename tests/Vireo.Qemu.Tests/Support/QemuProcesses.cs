using Vireo.Qemu.Model;

namespace Vireo.Qemu.Tests.Support;

/// <summary>Every QEMU a test started, killed by PID (through its handle) on dispose even when the test failed.</summary>
public sealed class QemuProcesses : IAsyncDisposable
{
    private readonly List<QemuProcessHandle> _handles = [];
    private readonly List<Guid> _uuids = [];

    public async Task<QemuProcessHandle> LaunchAsync(QemuVmConfig config, CancellationToken ct = default)
    {
        // Remembered before the launch: a launch that throws after QEMU forked leaves no handle, only its -uuid.
        _uuids.Add(config.Uuid);
        return await LaunchAsync(TestPaths.Emulator, QemuCommandLine.Build(config), config.PidFilePath, ct);
    }

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
        // Any QEMU of these VMs still alive (a launch that threw, a process the test replaced): killed by PID.
        foreach (var uuid in _uuids)
            foreach (var pid in FindByUuid(uuid))
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
    }
}

using System.Collections.Concurrent;
using System.ComponentModel;
using Vireo.Qemu.Internal;

namespace Vireo.Qemu;

/// <summary>Probes what a QEMU binary supports; results are cached per path, modification time and size.</summary>
public static class QemuProbe
{
    private static readonly ConcurrentDictionary<string, (DateTime MTime, long Size, Lazy<Task<QemuCapabilities>> Probe)> Cache = new();

    /// <summary>
    /// Runs <c>--version</c>, <c>-machine help</c>, <c>-accel help</c> and <c>-device help</c> (concurrently)
    /// and parses them. A binary replaced on disk (package upgrade) is probed again.
    /// </summary>
    /// <exception cref="QemuProbeException">The binary cannot be run or its output is not understood.</exception>
    public static Task<QemuCapabilities> ProbeAsync(string emulatorPath, CancellationToken ct)
    {
        var full = Path.GetFullPath(emulatorPath);
        var info = new FileInfo(full);
        if (!info.Exists) throw new QemuProbeException($"QEMU binary '{full}' does not exist.");
        var (mtime, size) = (info.LastWriteTimeUtc, info.Length);

        var entry = Cache.AddOrUpdate(full,
            _ => (mtime, size, NewProbe(full)),
            (_, old) => old.MTime == mtime && old.Size == size && !old.Probe.Value.IsFaulted ? old : (mtime, size, NewProbe(full)));
        // The probe itself runs to completion for every waiter; one caller's cancellation only stops its wait.
        return entry.Probe.Value.WaitAsync(ct);
    }

    private static Lazy<Task<QemuCapabilities>> NewProbe(string path) => new(() => RunProbeAsync(path));

    private static async Task<QemuCapabilities> RunProbeAsync(string path)
    {
        // Each help command takes well under a second; a binary that hangs must not wedge every later probe.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var version = Run(path, timeout.Token, "--version");
        var machines = Run(path, timeout.Token, "-machine", "help");
        var accels = Run(path, timeout.Token, "-accel", "help");
        var devices = Run(path, timeout.Token, "-device", "help");
        await Task.WhenAll(version, machines, accels, devices).ConfigureAwait(false);

        var parsedVersion = QemuHelpParsers.ParseVersion(version.Result)
            ?? throw new QemuProbeException($"Cannot read a QEMU version from '{path} --version': {version.Result.Trim()}");
        return new QemuCapabilities
        {
            BinaryPath = path,
            Version = parsedVersion.Version,
            Package = parsedVersion.Package,
            Machines = QemuHelpParsers.ParseMachines(machines.Result),
            Accelerators = QemuHelpParsers.ParseAccelerators(accels.Result),
            Devices = QemuHelpParsers.ParseDevices(devices.Result),
        };
    }

    private static async Task<string> Run(string path, CancellationToken timeout, params string[] args)
    {
        ToolResult r;
        try
        {
            r = await ToolProcess.RunAsync(path, args, timeout).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new QemuProbeException($"Cannot run '{path}': {e.Message}", e);
        }
        catch (OperationCanceledException e)
        {
            throw new QemuProbeException($"'{path} {string.Join(' ', args)}' did not finish within 30 s.", e);
        }
        if (r.ExitCode != 0)
            throw new QemuProbeException($"'{path} {string.Join(' ', args)}' exited with {r.ExitCode}: {r.StandardError.Trim()}");
        return r.StandardOutput;
    }
}

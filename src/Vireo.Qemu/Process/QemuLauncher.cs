using System.Diagnostics;

namespace Vireo.Qemu.Process;

/// <summary>QEMU could not start; the message carries QEMU's own words.</summary>
public sealed class QemuLaunchException(string message, int exitCode, string stderr) : Exception(message)
{
    /// <summary>Exit code of the launching process.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Everything QEMU wrote to stderr.</summary>
    public string Stderr { get; } = stderr;
}

/// <summary>Starts a daemonizing QEMU and returns the handle of the real (grandchild) process.</summary>
public static class QemuLauncher
{
    /// <summary>
    /// Runs <paramref name="emulator"/> with <paramref name="argv"/> (which must include -daemonize and
    /// -pidfile <paramref name="pidFile"/>). The launching process exits once QEMU has initialised: exit 0 means
    /// the monitor listens and the pidfile names the running QEMU.
    /// </summary>
    /// <exception cref="QemuLaunchException">QEMU refused to start; its message is QEMU's stderr.</exception>
    public static async Task<QemuProcessHandle> LaunchAsync(string emulator, IReadOnlyList<string> argv, string pidFile, CancellationToken ct)
    {
        var start = new ProcessStartInfo(emulator)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv)
            start.ArgumentList.Add(arg);

        using var process = new System.Diagnostics.Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new QemuLaunchException($"cannot run {emulator}: {e.Message}", -1, "");
        }
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // Leave nothing half-started: the launching process, and QEMU if it already wrote its pidfile.
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            if (QemuProcessHandle.ReadPidFile(pidFile) is { } orphan)
                LinuxProcess.Signal(orphan, LinuxProcess.SigKill);
            TryDelete(pidFile);
            throw;
        }
        var error = (await stderr).Trim();
        var output = (await stdout).Trim();
        if (process.ExitCode != 0)
        {
            TryDelete(pidFile);
            var text = error.Length > 0 ? error : output;
            throw new QemuLaunchException(text.Length > 0
                    ? $"QEMU failed to start: {CleanMessage(text)}"
                    : $"QEMU failed to start (exit code {process.ExitCode}) without a message",
                process.ExitCode, error);
        }
        var pid = QemuProcessHandle.ReadPidFile(pidFile)
            ?? throw new QemuLaunchException($"QEMU started but wrote no pidfile at {pidFile}", 0, error);
        return QemuProcessHandle.FromPid(pid)
            ?? throw new QemuLaunchException($"QEMU (PID {pid}) exited right after starting: {CleanMessage(error)}", 0, error);
    }

    /// <summary>Drops QEMU's "qemu-system-x86_64: " prefixes and -msg timestamps so the message reads cleanly.</summary>
    private static string CleanMessage(string text) => string.Join("; ", text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line =>
        {
            var parts = line.Split(": ", StringSplitOptions.None).ToList();
            // "2026-11-24T12:00:00.000000Z qemu-system-x86_64: -kernel /x: could not open ..." → drop stamp + program
            if (parts.Count > 1 && parts[0].Contains("qemu-system", StringComparison.Ordinal))
                parts.RemoveAt(0);
            return string.Join(": ", parts);
        }));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}

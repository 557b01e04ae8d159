using System.ComponentModel;
using System.Diagnostics;

namespace Vireo.Qemu;

/// <summary>Starts a daemonized QEMU and returns a verified handle to it.</summary>
public static class QemuLauncher
{
    /// <summary>
    /// Runs <paramref name="emulatorPath"/> with <paramref name="argv"/> (which must contain <c>-daemonize</c>,
    /// <c>-pidfile <paramref name="pidFilePath"/></c> and <c>-uuid</c>, as <see cref="QemuCommandLine.Build"/>
    /// produces). With -daemonize the launched process exits once QEMU is initialised (exit 0) or has failed
    /// (non-zero, error on stderr); the real QEMU is a grandchild reparented to PID 1 in its own session.
    /// </summary>
    /// <exception cref="QemuLaunchException">QEMU could not start (the message holds QEMU's error text), or a
    /// QEMU with the same uuid already runs from this pidfile.
    /// No QEMU process and no pidfile of ours are left behind.</exception>
    public static async Task<QemuProcessHandle> LaunchAsync(
        string emulatorPath, IReadOnlyList<string> argv, string pidFilePath, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (!argv.Contains("-daemonize")) throw new ArgumentException("argv must contain -daemonize.", nameof(argv));
        var uuid = QemuProcessHandle.UuidFromArgv(argv)
            ?? throw new ArgumentException("argv must contain -uuid: it is how QEMU is recognised later.", nameof(argv));

        if (QemuProcessHandle.TryAttach(pidFilePath, uuid) is { } running)
        {
            throw new QemuLaunchException($"A QEMU with uuid {uuid} is already running as pid {running.Pid}.", null, "");
        }

        var psi = new ProcessStartInfo(emulatorPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var arg in argv) psi.ArgumentList.Add(arg);
        // Untranslated messages, so that errors read the same in logs and tests.
        psi.Environment["LC_ALL"] = "C";

        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null.");
        }
        catch (Win32Exception e)
        {
            throw new QemuLaunchException($"Cannot run '{emulatorPath}': {e.Message}", null, "", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            // Process.Dispose leaves streams read directly open (their pipes last until a GC finalizes them).
            using var output = process.StandardOutput;
            using var errors = process.StandardError;
            // QEMU points its stdout/stderr at /dev/null before telling the launching process to exit, so both
            // pipes reach end-of-file no later than the exit.
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Our own child, killed through its Process object; then whatever QEMU it already daemonized.
                try { process.Kill(); } catch (InvalidOperationException) { }
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                KillDaemonIfOurs(pidFilePath, uuid);
                throw;
            }
            var errorText = (await stderr.ConfigureAwait(false)).Trim();
            var outputText = (await stdout.ConfigureAwait(false)).Trim();

            if (process.ExitCode != 0)
            {
                RemoveStalePidFile(pidFilePath);
                var detail = errorText.Length > 0 ? errorText : "no error output";
                throw new QemuLaunchException(
                    $"QEMU failed to start (exit code {process.ExitCode}): {detail}", process.ExitCode, errorText);
            }

            var pid = QemuProcessHandle.ReadPidFile(pidFilePath);
            var handle = pid is null ? null : QemuProcessHandle.TryAttach(pid.Value, uuid, pidFilePath);
            if (handle is null)
            {
                RemoveStalePidFile(pidFilePath);
                throw new QemuLaunchException(
                    pid is null
                        ? $"QEMU reported success but wrote no valid pidfile at '{pidFilePath}'."
                        : $"QEMU (pid {pid}) exited right after starting, or is not the QEMU with uuid {uuid}.",
                    0, errorText);
            }
            var startup = string.Join('\n', new[] { outputText, errorText }.Where(s => s.Length > 0));
            return handle.WithLaunchInfo(clock.Elapsed, startup);
        }
    }

    private static void KillDaemonIfOurs(string pidFilePath, Guid uuid)
    {
        if (QemuProcessHandle.TryAttach(pidFilePath, uuid) is { } daemon)
        {
            daemon.Kill(UnixSignal.Kill);
        }
        RemoveStalePidFile(pidFilePath);
    }

    // Only a pidfile whose process is gone is ours to remove. A live owner (the first QEMU, when a second one
    // failed on QEMU's pidfile lock) keeps it, whatever VM it is.
    private static void RemoveStalePidFile(string pidFilePath)
    {
        if (!File.Exists(pidFilePath)) return;
        if (QemuProcessHandle.ReadPidFile(pidFilePath) is { } pid && LinuxProcess.TryReadStat(pid) is { HasExited: false }) return;
        try { File.Delete(pidFilePath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

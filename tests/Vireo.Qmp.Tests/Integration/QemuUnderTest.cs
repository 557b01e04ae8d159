using System.Diagnostics;
using System.Text;

namespace Vireo.Qmp.Tests.Integration;

/// <summary>
/// A real qemu-system-x86_64 (whichever is on PATH: 7.2 on Debian 12, 10.0 on Debian 13) under TCG with its monitor on a Unix socket in a private temp directory, and a
/// connected <see cref="QmpClient"/>. Disposal kills that QEMU by PID (if still running) and deletes the directory.
/// </summary>
internal sealed class QemuUnderTest : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();

    private QemuUnderTest(DirectoryInfo dir, Process process)
    {
        Dir = dir;
        Process = process;
    }

    public DirectoryInfo Dir { get; }

    /// <summary>The version that <c>qemu-system-x86_64 --version</c> prints ("QEMU emulator version 10.0.13 (...)").</summary>
    public static (int Major, int Minor, int Micro) BannerVersion()
    {
        var psi = new ProcessStartInfo("qemu-system-x86_64", "--version") { UseShellExecute = false, RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        var banner = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var m = System.Text.RegularExpressions.Regex.Match(banner, @"version (\d+)\.(\d+)\.(\d+)");
        if (!m.Success) throw new InvalidOperationException($"no version in qemu-system-x86_64 --version: {banner}");
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    }

    public Process Process { get; }

    public string SocketPath => Path.Combine(Dir.FullName, "qmp.sock");

    public QmpClient Client { get; private set; } = null!;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts QEMU paused (<c>-S</c>), waits for its monitor socket and connects.</summary>
    /// <param name="extraArgs">Arguments appended to the base command line.</param>
    /// <param name="options">Client options.</param>
    /// <param name="prepare">Called with the temp directory before QEMU starts (to write disk images).</param>
    public static async Task<QemuUnderTest> StartAsync(
        IEnumerable<string>? extraArgs = null, QmpClientOptions? options = null, Action<DirectoryInfo>? prepare = null)
    {
        var dir = Directory.CreateTempSubdirectory("vireo-qmp-it-");
        QemuUnderTest? qemu = null;
        try
        {
            prepare?.Invoke(dir);
            var socketPath = Path.Combine(dir.FullName, "qmp.sock");
            var psi = new ProcessStartInfo("qemu-system-x86_64")
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                WorkingDirectory = dir.FullName,
            };
            string[] baseArgs =
            [
                "-S", "-nodefaults", "-no-user-config", "-display", "none",
                "-machine", "q35", "-accel", "tcg", "-m", "64",
                "-chardev", $"socket,id=qmp,path={socketPath},server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
            ];
            foreach (var arg in baseArgs.Concat(extraArgs ?? []))
            {
                psi.ArgumentList.Add(arg);
            }

            var process = Process.Start(psi) ?? throw new InvalidOperationException("qemu-system-x86_64 did not start");
            qemu = new QemuUnderTest(dir, process);
            process.ErrorDataReceived += (_, e) => { lock (qemu._stderr) { qemu._stderr.AppendLine(e.Data); } };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            qemu.Client = await qemu.ConnectWhileAliveAsync(options);
            return qemu;
        }
        catch
        {
            if (qemu is not null)
            {
                await qemu.DisposeAsync();
            }
            else
            {
                dir.Delete(recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// QEMU binds the socket (the file appears) a moment before it listens, so a refused or missing socket is retried
    /// for as long as the process lives — the retry loop a launcher needs too.
    /// </summary>
    private async Task<QmpClient> ConnectWhileAliveAsync(QmpClientOptions? options)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await QmpClient.ConnectAsync(SocketPath, options);
            }
            catch (QmpConnectException ex) when (ex.IsTransient && !Process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }
            catch (QmpConnectException ex) when (Process.HasExited)
            {
                throw new InvalidOperationException($"QEMU exited with {Process.ExitCode} before its monitor answered: {Stderr}", ex);
            }
        }
    }

    /// <summary>Waits for this QEMU process to exit on its own.</summary>
    public Task WaitForExitAsync() => Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        try
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }

            await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Process.Dispose();
            Dir.Delete(recursive: true);
        }
    }
}

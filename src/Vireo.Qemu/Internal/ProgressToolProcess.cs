using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vireo.Qemu.Internal;

/// <summary>
/// Runs a qemu-img command given <c>-p</c>, turning its progress output into fractions. qemu-img writes each
/// update as <c>"    (12.50/100%)\r"</c> on stdout (also when stdout is a pipe), so the stream is split on
/// carriage returns as well as newlines.
/// </summary>
internal static partial class ProgressToolProcess
{
    /// <summary>How long qemu-img gets to exit after SIGTERM before it is killed.</summary>
    internal static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(2);

    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be run.</exception>
    public static async Task<ToolResult> RunAsync(string program, IEnumerable<string> args, IProgress<double>? progress, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null.");
        // Read the identity now: signalling by PID later is checked against the start time, so a recycled PID
        // is never hit.
        var startTime = LinuxProcess.TryReadStat(process.Id)?.StartTime;
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, progress);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process, startTime).ConfigureAwait(false);
            throw;
        }
        return new ToolResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>SIGTERM (qemu-img stops between requests), SIGKILL after <see cref="TermGrace"/>; reaps it either way.</summary>
    private static async Task StopAsync(Process process, ulong? startTime)
    {
        if (startTime is { } start)
            LinuxProcess.Signal(process.Id, start, UnixSignal.Term);
        using var grace = new CancellationTokenSource(TermGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
        }
        try { process.Kill(); } catch (InvalidOperationException) { }
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the progress output on a thread of its own with blocking reads. qemu-img writes an update for every
    /// percent, so a 1 GiB copy from the page cache prints about 100 lines in 250 ms; read asynchronously, each line
    /// woke the thread pool, whose workers then spun (about 40 sched_yield calls per line) on the CPUs qemu-img was
    /// copying with. A blocked read costs nothing until the next line.
    /// </summary>
    private static Task<string> PumpAsync(StreamReader reader, IProgress<double>? progress)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Pump(reader, progress));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "qemu-img progress",
        };
        thread.Start();
        return done.Task;
    }

    private static string Pump(StreamReader reader, IProgress<double>? progress)
    {
        var all = new StringBuilder();
        var line = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = reader.Read(buffer)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                var c = buffer[i];
                if (c is '\r' or '\n')
                {
                    Report(line, progress, all);
                    line.Clear();
                }
                else
                {
                    line.Append(c);
                }
            }
        }
        Report(line, progress, all);
        return all.ToString();
    }

    private static void Report(StringBuilder line, IProgress<double>? progress, StringBuilder all)
    {
        if (line.Length == 0) return;
        var text = line.ToString();
        if (TryParse(text) is { } fraction)
            progress?.Report(fraction);
        else
            all.AppendLine(text);
    }

    /// <summary>The fraction in one qemu-img progress update, e.g. <c>"    (12.50/100%)"</c> gives 0.125.</summary>
    internal static double? TryParse(string text)
    {
        var m = ProgressPattern().Match(text);
        if (!m.Success) return null;
        var percent = double.Parse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return Math.Clamp(percent / 100.0, 0, 1);
    }

    [GeneratedRegex(@"^\s*\((\d+(?:\.\d+)?)/100%\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ProgressPattern();
}

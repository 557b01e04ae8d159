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

    /// <summary>
    /// How often the progress output is read. qemu-img writes a line per percent, about 100 in a 250 ms copy from
    /// the page cache; woken for each, the reader took a CPU from qemu-img's own threads a hundred times (a pipe
    /// write that wakes a reader on the other CPU costs an inter-processor interrupt, dear on a VM): `qemu-img
    /// convert -p | cat` was 5-40 ms slower than writing the same lines to a file. Read five times a second, the
    /// lines wait in the pipe (2 KB for a whole copy, far below its 64 KB) and progress is still fresher than the
    /// CLI's 250 ms polls.
    /// </summary>
    internal static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(200);

    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be run.</exception>
    public static async Task<ToolResult> RunAsync(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string> environment, IProgress<double>? progress, CancellationToken ct)
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
        foreach (var (name, value) in environment) psi.Environment[name] = value;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null.");
        // Read the identity now: signalling by PID later is checked against the start time, so a recycled PID
        // is never hit.
        var startTime = LinuxProcess.TryReadStat(process.Id)?.StartTime;
        process.StandardInput.Close();
        // Process.Dispose leaves streams read directly open (their pipes last until a GC finalizes them): close them.
        using var output = process.StandardOutput;
        using var errors = process.StandardError;
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // The progress thread also notices the exit (it sleeps in WaitForExit between reads), so the end reaches
        // the caller in one thread switch from vireod's SIGCHLD handler instead of going through the thread
        // pool's wait thread and back.
        var pumped = PumpAsync(process, progress);
        try
        {
            await pumped.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled (or the reader failed): qemu-img is ended before this returns, and the reader with it.
            await StopAsync(process, startTime).ConfigureAwait(false);
            await pumped.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }
        return new ToolResult(process.ExitCode, await pumped.ConfigureAwait(false), await stderr.ConfigureAwait(false));
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
    /// Reads the progress output on a thread of its own with blocking reads, pausing <see cref="ReadInterval"/>
    /// between reads (in <see cref="Process.WaitForExit(TimeSpan)"/>, which returns early at the exit), and
    /// completes with the other output once the program has exited and its output is drained. Read
    /// asynchronously, each line woke the thread pool, whose workers then spun (about 40 sched_yield calls per line)
    /// on the CPUs qemu-img was copying with.
    /// </summary>
    private static Task<string> PumpAsync(Process process, IProgress<double>? progress)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Pump(process, progress));
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

    private static string Pump(Process process, IProgress<double>? progress)
    {
        var reader = process.StandardOutput;
        var all = new StringBuilder();
        var line = new StringBuilder();
        var buffer = new char[4096];
        var exited = false;
        int n;
        // After the exit, reads go on without pausing until the end of the output.
        for (; (n = reader.Read(buffer)) > 0; exited = exited || process.WaitForExit(ReadInterval))
        {
            // A read after a pause holds many updates: only the latest is reported.
            double? latest = null;
            for (var i = 0; i < n; i++)
            {
                var c = buffer[i];
                if (c is '\r' or '\n')
                {
                    latest = Take(line, all) ?? latest;
                    line.Clear();
                }
                else
                {
                    line.Append(c);
                }
            }
            if (latest is { } fraction)
                progress?.Report(fraction);
        }
        if (Take(line, all) is { } last)
            progress?.Report(last);
        // The output ends when the program exits (or closes it first): wait for the exit itself, for ExitCode.
        process.WaitForExit();
        return all.ToString();
    }

    /// <summary>The fraction a progress line gives; any other line is kept in <paramref name="all"/>.</summary>
    private static double? Take(StringBuilder line, StringBuilder all)
    {
        if (line.Length == 0) return null;
        var text = line.ToString();
        if (TryParse(text) is { } fraction)
            return fraction;
        all.AppendLine(text);
        return null;
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

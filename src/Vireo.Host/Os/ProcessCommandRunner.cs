using System.Diagnostics;

namespace Vireo.Host.Os;

/// <summary>Runs real processes with <see cref="ProcessStartInfo.ArgumentList"/> (no shell).</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        // Tools translate their messages; checks parse them, so ask for the untranslated text.
        psi.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start()) return new CommandResult(-1, "", "", $"{fileName} did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new CommandResult(-1, "", "", $"cannot run {fileName}: {e.Message}")
            {
                NotFound = e is System.ComponentModel.Win32Exception { NativeErrorCode: 2 },
            };
        }
        process.StandardInput.Close();
        // Process.Dispose leaves streams read directly open (their pipes last until a GC finalizes them): close them.
        using var output = process.StandardOutput;
        using var errors = process.StandardError;

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We started it, so we end it (by this Process object, i.e. by PID), and do not leave it behind.
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return new CommandResult(-1, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false),
                $"{fileName} did not finish within {timeout.TotalSeconds:0.#} s");
        }
        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}

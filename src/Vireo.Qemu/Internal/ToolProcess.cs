using System.ComponentModel;
using System.Diagnostics;

namespace Vireo.Qemu.Internal;

internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs a short-lived helper (qemu-img, a probe) as our child, capturing its output.</summary>
internal static class ToolProcess
{
    /// <exception cref="Win32Exception">The program cannot be run.</exception>
    public static Task<ToolResult> RunAsync(string program, IEnumerable<string> args, CancellationToken ct) =>
        RunAsync(program, args, null, ct);

    /// <summary>Runs it with <paramref name="environment"/> added to (or replacing in) vireod's own environment.</summary>
    /// <exception cref="Win32Exception">The program cannot be run.</exception>
    public static async Task<ToolResult> RunAsync(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
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
        if (environment is not null)
            foreach (var (name, value) in environment) psi.Environment[name] = value;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null.");
        process.StandardInput.Close();
        // Process.Dispose leaves streams read directly open (their pipes last until a GC finalizes them): close them.
        using var output = process.StandardOutput;
        using var errors = process.StandardError;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Our own child: kill it through its Process object and reap it before giving up.
            try { process.Kill(); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return new ToolResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}

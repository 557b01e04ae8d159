using System.Diagnostics;

namespace Vireo.Cli.Tests;

/// <summary>Runs a built vireo (the Native AOT executable, or <c>dotnet vireo.dll</c>) as a process, as a user would.</summary>
internal static class BinaryRunner
{
    public static string VireoDll => Path.Combine(AppContext.BaseDirectory, "vireo.dll");

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="prefix"/> then <paramref name="args"/>, stdin empty, stdout
    /// and stderr captured, in <paramref name="cwd"/>, with VIREO_SOCKET set to <paramref name="socket"/> and no
    /// COLUMNS; killed after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<CliResult> RunAsync(string program, string[] prefix, string[] args, string socket, string cwd,
        TimeSpan? timeout = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd,
        };
        foreach (var arg in prefix.Concat(args))
            start.ArgumentList.Add(arg);
        start.Environment["VIREO_SOCKET"] = socket;
        start.Environment["XDG_STATE_HOME"] = CliRunner.StateHome;
        start.Environment.Remove("COLUMNS");
        start.Environment.Remove("VIREO_DEBUG");
        using var process = Process.Start(start)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(cts.Token);
            return new CliResult(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }
}

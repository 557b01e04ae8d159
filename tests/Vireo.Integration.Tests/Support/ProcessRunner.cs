using System.Diagnostics;
using System.Text;

namespace Vireo.Integration.Tests.Support;

/// <summary>The outcome of running a command.</summary>
internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs a program to completion with argv (never a shell), optional stdin, and a timeout.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs a tool that must succeed; a failure fails the test with its output.</summary>
    public static async Task<CommandResult> RunOkAsync(string file, params string[] args)
    {
        var r = await RunAsync(file, args);
        return r.ExitCode == 0 ? r : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {r}");
    }

    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null,
        IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromMinutes(3)}");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
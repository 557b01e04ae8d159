namespace Vireo.Host.Os;

/// <summary>Runs a program and captures its output. The seam host checks use to ask tools for their version.</summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (never through a shell) and waits for it,
    /// at most <paramref name="timeout"/>. A program that cannot be started yields a result with
    /// <see cref="CommandResult.StartError"/> set instead of throwing.
    /// </summary>
    Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct);
}

/// <summary>What a finished (or unstartable, or timed-out) command produced.</summary>
/// <param name="ExitCode">Exit status; -1 when the program did not start or was killed on timeout.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="StartError">Why the program could not be started, or that it timed out; null when it ran.</param>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr, string? StartError = null)
{
    /// <summary>True when the program ran and exited with status 0.</summary>
    public bool Succeeded => StartError is null && ExitCode == 0;

    /// <summary>The program was not started because it does not exist (ENOENT): not installed, or not on PATH.</summary>
    public bool NotFound { get; init; }

    /// <summary>One line saying why the command did not succeed (first line of stderr, or the start error).</summary>
    public string FailureSummary =>
        StartError ?? (FirstLine(Stderr) is { Length: > 0 } err ? $"exit status {ExitCode}: {err}" : $"exit status {ExitCode}");

    internal static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}

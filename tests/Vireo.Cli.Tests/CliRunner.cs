using System.Text;

namespace Vireo.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs vireo's real entry point in-process with its own standard streams and environment.</summary>
internal static class CliRunner
{
    /// <summary>XDG_CONFIG_HOME of in-process runs: a directory that does not exist, so no remotes and the socket is the default.</summary>
    public static readonly string ConfigHome = Path.Combine(Path.GetTempPath(), "vireo-cli-tests-no-config-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>XDG_STATE_HOME of every run (the VM created last, per socket): never the developer's ~/.local/state.</summary>
    public static readonly string StateHome = Path.Combine(Path.GetTempPath(), "vireo-cli-tests-state-" + Guid.NewGuid().ToString("N")[..8]);

    /// <param name="width">stdout's width (CliEnvironment.Width); the pipe default when null.</param>
    /// <param name="terminal">Whether stdout counts as a terminal (colours, box drawing).</param>
    public static async Task<CliResult> RunAsync(string? socket, string[] args, string stdin = "", string? cwd = null,
        TimeSpan? timeout = null, int? width = null, bool terminal = false)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var env = new CliEnvironment(new MemoryStream(Encoding.UTF8.GetBytes(stdin)), stdout, stderr)
        {
            CurrentDirectory = cwd ?? "/tmp",
            Width = width ?? CliEnvironment.PipeWidth,
            StdoutIsTerminal = terminal,
            // Only what the test says: never the developer's own VIREO_SOCKET.
            // The remotes file too: a private directory, never the developer's ~/.config/vireo/remotes.json.
            GetVariable = name => name switch { "VIREO_SOCKET" => socket, "XDG_CONFIG_HOME" => ConfigHome, "XDG_STATE_HOME" => StateHome, _ => null },
        };
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        int rc = await CliApp.RunAsync(args, env, cts.Token);
        return new CliResult(rc, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }
}

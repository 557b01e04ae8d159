using System.Diagnostics;
using Vireo.Host.Os;

namespace Vireo.Host.Tests;

/// <summary>The real process runner, running real programs.</summary>
public class ProcessCommandRunnerTests
{
    private readonly ProcessCommandRunner _runner = new();

    [Fact]
    public async Task Run_CapturesStdoutAndExitStatus()
    {
        var r = await _runner.RunAsync("/usr/bin/qemu-img", ["--version"], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.True(r.Succeeded, r.FailureSummary);
        Assert.StartsWith("qemu-img version ", r.Stdout);
    }

    [Fact]
    public async Task Run_PassesArgumentsVerbatim_WithoutAShell()
    {
        var r = await _runner.RunAsync("/bin/echo", ["a b", "$HOME", "'q'"], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("a b $HOME 'q'\n", r.Stdout);
    }

    [Fact]
    public async Task Run_ReportsNonZeroExitWithFirstStderrLine()
    {
        var r = await _runner.RunAsync("/bin/sh", ["-c", "echo oops >&2; echo more >&2; exit 3"], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.False(r.Succeeded);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("exit status 3: oops", r.FailureSummary);
    }

    [Fact]
    public async Task Run_ReturnsAStartError_ForAMissingProgram()
    {
        var r = await _runner.RunAsync("/nonexistent/tool", [], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.False(r.Succeeded);
        Assert.StartsWith("cannot run /nonexistent/tool", r.StartError);
        Assert.True(r.NotFound);
    }

    [Fact]
    public async Task Run_IsNotNotFound_ForAProgramThatExistsButCannotBeExecuted()
    {
        // /etc/hostname exists but is no executable: EACCES, not ENOENT.
        var r = await _runner.RunAsync("/etc/hostname", [], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.NotNull(r.StartError);
        Assert.False(r.NotFound);
        var failed = await _runner.RunAsync("/bin/false", [], TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.False(failed.NotFound);
    }

    [Fact]
    public async Task Run_KillsTheProcess_WhenItOutlivesTheTimeout()
    {
        var sw = Stopwatch.StartNew();
        var r = await _runner.RunAsync("/bin/sh", ["-c", "echo $$; exec sleep 30"], TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.Contains("did not finish within", r.StartError);
        var pid = int.Parse(r.Stdout.Trim());
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still alive");
    }

    [Fact]
    public async Task Run_KillsTheProcessAndThrows_WhenCancelled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var pidFile = Path.Combine(Path.GetTempPath(), $"vireo-runner-{Guid.NewGuid():N}.pid");
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                _runner.RunAsync("/bin/sh", ["-c", $"echo $$ > {pidFile}; exec sleep 30"], TimeSpan.FromSeconds(30), cts.Token));
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still alive");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }
}

using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>The serial console through vireod: one client at a time, logs kept while nobody is attached.</summary>
public class ConsoleTests(ITestOutputHelper output)
{
    /// <summary>Whether the CLI runs against vireod's TLS listener (<see cref="ConsoleOverTlsTests"/>).</summary>
    protected virtual bool OverTls => false;

    [Fact]
    public async Task A_second_console_is_refused_unless_forced()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("c");
        // The first client stays attached for 10 s after its input ends (--idle), leaving the shell free.
        var first = h.VireoWithInput("echo first\n", "console", "c", "--idle", "10");
        await Task.Delay(3000);

        var second = await h.VireoWithInput("echo second\n", "console", "c");
        Assert.Equal(4, second.ExitCode);
        Assert.Contains("--force", second.Stderr);

        var forced = await h.VireoWithInput("echo forced-$((1+1))\n", "console", "c", "--force");
        Assert.Equal(0, forced.ExitCode);
        Assert.Contains("forced-2", forced.Stdout);
        await first;
    }

    [Fact]
    public async Task Logs_follow_streams_new_output_and_keep_what_was_printed_without_a_client()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("l");
        // Printed with nobody attached to the console: still recorded by QEMU itself.
        await h.VireoWithInput("echo marker-one > /dev/console\n", "console", "l");
        var logs = await h.VireoOk("logs", "l");
        Assert.Contains("marker-one", logs.Stdout);

        var tail = await h.VireoOk("logs", "l", "--tail", "2");
        Assert.True(tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 2, tail.Stdout);
    }

    [Fact]
    public async Task Console_of_a_stopped_vm_is_refused()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "idle", "--image", "tiny");
        var result = await h.VireoWithInput("echo hi\n", "console", "idle");
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("not running", result.Stderr);
    }
}

/// <summary><see cref="ConsoleTests"/> with the console's WebSocket and the logs over TLS to a remote vireod (docs/remote-cli.md).</summary>
public sealed class ConsoleOverTlsTests(ITestOutputHelper output) : ConsoleTests(output)
{
    protected override bool OverTls => true;
}

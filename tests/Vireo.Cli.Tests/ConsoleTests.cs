using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class ConsoleTests : FakeDaemonTest
{
    [Fact]
    public async Task Piped_stdin_is_sent_and_the_answer_printed_then_exits_0_after_eof_and_idle()
    {
        var clock = Stopwatch.StartNew();
        var result = await VireoWithStdin("uname -a\n", "console", "web1", "--idle", "2");
        clock.Stop();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"uname -a\r\n{FakeShell.UnameAnswer}\r\n/ # ", result.Stdout);
        Assert.Equal("", result.Stderr);
        // The guest answers after 300 ms; vireo waited for that and then for 2 s of silence. (A shorter idle
        // made this test fail on a loaded machine: the answer itself can take longer than a short idle.)
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.0), TimeSpan.FromSeconds(15));
        Assert.Contains(Sent(), r => r.PathAndQuery == "/v1/vms/web1/console");
    }

    [Fact]
    public async Task Several_lines_are_answered_in_order()
    {
        Daemon.ShellDelay = TimeSpan.FromMilliseconds(50);
        var result = await VireoWithStdin("uname -a\nfoo\n", "console", "web1", "--idle", "2");

        Assert.Equal(0, result.ExitCode);
        int uname = result.Stdout.IndexOf(FakeShell.UnameAnswer, StringComparison.Ordinal);
        int foo = result.Stdout.IndexOf("sh: foo: not found", StringComparison.Ordinal);
        Assert.True(uname >= 0 && foo > uname, result.Stdout);
    }

    [Fact]
    public async Task Console_closed_by_the_daemon_ends_the_session_with_a_note_on_stderr()
    {
        var result = await VireoWithStdin("poweroff\n", "console", "web1", "--idle", "30");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("reboot: Power down", result.Stdout);
        Assert.Contains("Console of web1 closed by vireod: VM stopped", result.Stderr);
    }

    [Fact]
    public async Task Busy_console_exits_4_and_suggests_force()
    {
        using (Daemon.OccupyConsole())
        {
            var result = await VireoWithStdin("uname -a\n", "console", "web1");

            Assert.Equal(4, result.ExitCode);
            Assert.Contains("error: the console of VM \"web1\" is already attached by another client", result.Stderr);
            Assert.Contains("vireo console web1 --force", result.Stderr);
            Assert.Equal("", result.Stdout);

            var forced = await VireoWithStdin("uname -a\n", "console", "web1", "--force", "--idle", "2");
            Assert.Equal(0, forced.ExitCode);
            Assert.Contains(FakeShell.UnameAnswer, forced.Stdout);
            Assert.Contains(Sent(), r => r.PathAndQuery == "/v1/vms/web1/console?force=true");
        }
    }

    [Fact]
    public async Task Console_of_a_stopped_vm_exits_4_and_says_to_start_it()
    {
        var result = await VireoWithStdin("", "console", "db1");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("error: VM \"db1\" is not running (it is stopped)", result.Stderr);
        Assert.Contains("vireo start db1", result.Stderr);
    }

    [Fact]
    public async Task Client_console_socket_carries_raw_bytes_both_ways()
    {
        using var client = new VireoClient(Daemon.SocketPath);
        using var socket = await client.OpenConsoleAsync("web1");
        await socket.SendAsync("x\n"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);

        var received = new StringBuilder();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!received.ToString().EndsWith("/ # "))
        {
            var r = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, r.MessageType);
            received.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }
        Assert.Equal("x\r\nsh: x: not found\r\n/ # ", received.ToString());
    }

    [Fact]
    public async Task Client_console_refusal_keeps_the_api_error_code()
    {
        using var client = new VireoClient(Daemon.SocketPath);
        var ex = await Assert.ThrowsAsync<VireoApiException>(() => client.OpenConsoleAsync("db1"));
        Assert.Equal(ErrorCodes.InvalidState, ex.Code);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, ex.StatusCode);
    }
}

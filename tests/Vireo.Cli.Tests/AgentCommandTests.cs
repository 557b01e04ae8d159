using System.Text;
using System.Text.Json;
using Vireo.Cli.Commands;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>vireo exec and vireo agent against the fake daemon: output as it is, the exit status mapping, JSON.</summary>
public sealed class AgentCommandTests : FakeDaemonTest
{
    private static string Result(ExecResult r) => JsonSerializer.Serialize(r, VireoJsonContext.Default.ExecResult);

    [Fact]
    public async Task Exec_prints_the_guest_output_as_is_and_exits_with_its_status()
    {
        Daemon.Answer("POST /v1/vms/web1/agent/exec", 200, Result(new ExecResult
        {
            Name = "web1", Started = true, ExitCode = 3, Stdout = Encoding.UTF8.GetBytes("out\n"), Stderr = Encoding.UTF8.GetBytes("err\n"),
        }));
        var r = await Vireo("exec", "web1", "--timeout", "9", "--", "sh", "-c", "exit 3");
        Assert.Equal((3, "out\n", "err\n"), (r.ExitCode, r.Stdout, r.Stderr));
        var sent = Daemon.Requests.Last(q => q.PathAndQuery == "/v1/vms/web1/agent/exec");
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("sh", body.RootElement.GetProperty("path").GetString());
        Assert.Equal(["-c", "exit 3"], body.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(9, body.RootElement.GetProperty("timeout_seconds").GetInt32());
    }

    [Theory]
    [InlineData(false, false, null, 0, 127)]
    [InlineData(true, true, null, null, 124)]
    [InlineData(true, false, 9, null, 137)]
    [InlineData(true, false, null, 0, 0)]
    [InlineData(true, false, null, 255, 255)]
    public void Exec_exit_status_mapping(bool started, bool timedOut, int? signal, int? exitCode, int expected) =>
        Assert.Equal(expected, AgentCommands.ExitStatusOf(new ExecResult { Name = "v", Started = started, TimedOut = timedOut, Signal = signal, ExitCode = exitCode }));

    [Fact]
    public async Task Exec_timeout_and_not_started_say_so_and_json_carries_text()
    {
        Daemon.Answer("POST /v1/vms/web1/agent/exec", 200, Result(new ExecResult { Name = "web1", Started = true, TimedOut = true, Killed = true }));
        var slow = await Vireo("exec", "web1", "--", "sleep", "600");
        Assert.Equal(124, slow.ExitCode);
        Assert.Contains("error: 'sleep' ran past its timeout; it was killed in the guest", slow.Stderr);

        Daemon.Answer("POST /v1/vms/web1/agent/exec", 200, Result(new ExecResult { Name = "web1", Started = false, Error = "Failed to execute child process" }));
        var missing = await Vireo("exec", "web1", "--", "nope");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("error: the guest could not run 'nope': Failed to execute child process", missing.Stderr);

        Daemon.Answer("POST /v1/vms/web1/agent/exec", 200, Result(new ExecResult { Name = "web1", Started = true, ExitCode = 0, Stdout = Encoding.UTF8.GetBytes("Linux\n") }));
        var json = await Vireo("exec", "web1", "-o", "json", "--", "uname");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal("Linux\n", doc.RootElement.GetProperty("stdout").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Agent_ping_that_gets_no_answer_exits_1_with_the_reason()
    {
        Daemon.Answer("GET /v1/vms/web1/agent/ping", 200, JsonSerializer.Serialize(new AgentPingResult
        {
            Name = "web1", Answered = false, Milliseconds = 5003, Detail = "the guest agent did not answer guest-sync-delimited within 5 s",
        }, VireoJsonContext.Default.AgentPingResult));
        var r = await Vireo("agent", "ping", "web1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("is not answering (gave up after 5.0 s): the guest agent did not answer guest-sync-delimited", r.Stderr);
    }

    [Fact]
    public async Task Shutdown_mode_agent_is_sent_in_the_request()
    {
        await Vireo("shutdown", "web1", "--mode", "agent");
        var sent = Daemon.Requests.Last(q => q.PathAndQuery == "/v1/vms/web1/shutdown");
        Assert.Contains("\"mode\": \"agent\"", sent.Body);
    }
}

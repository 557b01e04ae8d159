using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class CommandTests : FakeDaemonTest
{
    [Theory]
    [InlineData("start", "started, now running")]
    [InlineData("destroy", "destroyed, now stopped")]
    [InlineData("reboot", "rebooted, now running")]
    [InlineData("reset", "reset, now running")]
    [InlineData("suspend", "suspended, now paused")]
    [InlineData("resume", "resumed, now running")]
    public async Task Lifecycle_verb_posts_its_action_and_reports_the_new_state(string verb, string said)
    {
        var result = await Vireo(verb, "web1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"VM 'web1' {said}.\n", result.Stdout);
        var request = Assert.Single(Sent());
        Assert.Equal(("POST", $"/v1/vms/web1/{verb}"), (request.Method, request.PathAndQuery));
    }

    [Fact]
    public async Task Shutdown_sends_timeout_and_no_force_as_a_shutdown_request()
    {
        var result = await Vireo("shutdown", "web1", "--timeout", "30", "--no-force");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("VM 'web1' shut down, now stopped: guest powered off after 1 s\n", result.Stdout);
        var request = Assert.Single(Sent());
        var body = JsonSerializer.Deserialize(request.Body, VireoJsonContext.Default.ShutdownRequest)!;
        Assert.Equal((30, false), (body.TimeoutSeconds, body.Force));
        Assert.Contains("\"timeout_seconds\": 30", request.Body);
    }

    [Fact]
    public async Task Plain_shutdown_sends_no_body()
    {
        await Vireo("shutdown", "web1");
        Assert.Equal("", Assert.Single(Sent()).Body);
    }

    [Fact]
    public async Task Undefine_sends_delete()
    {
        var result = await Vireo("undefine", "db1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(("DELETE", "/v1/vms/db1"), (Sent()[0].Method, Sent()[0].PathAndQuery));
    }

    [Theory]
    [InlineData("vm.json", "application/json")]
    [InlineData("vm.yaml", "application/yaml")]
    [InlineData("vm.yml", "application/yaml")]
    public async Task Define_sends_the_file_text_with_the_content_type_of_its_extension(string file, string type)
    {
        string dir = Directory.CreateTempSubdirectory("vireo-define-").FullName;
        try
        {
            string text = type == "application/json" ? "{\"name\": \"f1\"}" : "name: f1\nmemory: 256\n";
            await File.WriteAllTextAsync(Path.Combine(dir, file), text);

            var result = await CliRunner.RunAsync(Daemon.SocketPath, ["define", file], cwd: dir);

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("VM 'f1' defined", result.Stdout);
            var post = Assert.Single(Sent());
            Assert.StartsWith(type, post.ContentType);
            Assert.Equal(text, post.Body);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Define_dash_reads_the_spec_from_stdin_as_yaml()
    {
        var result = await VireoWithStdin("name: piped\n", "define", "-");
        Assert.Equal(0, result.ExitCode);
        var post = Assert.Single(Sent());
        Assert.StartsWith("application/yaml", post.ContentType);
        Assert.Equal("name: piped\n", post.Body);
    }

    [Fact]
    public async Task Define_of_a_missing_file_exits_2_and_sends_nothing()
    {
        var result = await Vireo("define", "/nonexistent/vm.yaml");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: cannot read spec file /nonexistent/vm.yaml", result.Stderr);
        Assert.Empty(Sent());
    }

    [Fact]
    public async Task Logs_prints_the_serial_log_and_passes_tail()
    {
        var result = await Vireo("logs", "web1", "--tail", "20");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[    0.000000] Linux version 6.1.0-fake\nfake login: \n", result.Stdout);
        Assert.Equal("/v1/vms/web1/logs?tail=20", Sent()[0].PathAndQuery);
    }

    [Fact]
    public async Task Logs_follow_streams_until_interrupted()
    {
        var stdout = new MemoryStream();
        var env = new CliEnvironment(new MemoryStream(), stdout, new MemoryStream())
        {
            GetVariable = name => name == "VIREO_SOCKET" ? Daemon.SocketPath : null,
        };
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));

        int rc = await CliApp.RunAsync(["logs", "web1", "-f"], env, interrupt.Token);

        string text = System.Text.Encoding.UTF8.GetString(stdout.ToArray());
        Assert.Equal(130, rc);
        Assert.Contains("tick 3\n", text);
        Assert.Equal("/v1/vms/web1/logs?follow=true", Sent()[0].PathAndQuery);
    }

    [Fact]
    public async Task Host_check_table_exits_0_with_warnings_and_1_with_a_failure()
    {
        var warn = await Vireo("host", "check");
        Assert.Equal(0, warn.ExitCode);
        Assert.Contains("WARN", warn.Stdout);
        Assert.Contains("enable virtualization in the BIOS", warn.Stdout);
        Assert.Contains("1 passed, 1 warning, 0 failed", warn.Stdout);

        Daemon.HostCheck = Canned.HostCheck(CheckStatus.Fail);
        var fail = await Vireo("host", "check");
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("FAIL", fail.Stdout);
    }

    [Fact]
    public async Task Host_check_json_is_the_report_and_still_exits_1_on_failure()
    {
        Daemon.HostCheck = Canned.HostCheck(CheckStatus.Fail);
        var result = await Vireo("host", "check", "-o", "json");

        Assert.Equal(1, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal("fail", doc.RootElement.GetProperty("checks")[1].GetProperty("status").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("failures").GetInt32());
    }

    [Fact]
    public async Task Version_shows_client_daemon_qemu_tcg_warning_and_state_dir()
    {
        var result = await Vireo("version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Client:\s+vireo \d+\.\d+\.\d+", result.Stdout);
        Assert.Contains("vireod 0.1.0-fake on fakehost", result.Stdout);
        Assert.Contains("7.2.22 (/usr/bin/qemu-system-x86_64)", result.Stdout);
        Assert.Contains("tcg — software emulation (no KVM): VMs run much slower", result.Stdout);
        Assert.Contains("/var/lib/vireo", result.Stdout);
    }

    [Fact]
    public async Task Version_json_holds_client_version_and_host_info()
    {
        var result = await Vireo("version", "-o", "json");
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("client_version").GetString()));
        // Relaxed escaping: "0.1.0+abc" stays readable instead of "0.1.0\u002Babc".
        Assert.DoesNotContain("\\u00", result.Stdout);
        Assert.Equal("7.2.22", doc.RootElement.GetProperty("daemon").GetProperty("qemu_version").GetString());
    }

    [Fact]
    public async Task Version_without_daemon_still_prints_the_client_version_and_exits_5()
    {
        var result = await CliRunner.RunAsync("/nonexistent/vireod.sock", ["version"]);

        Assert.Equal(5, result.ExitCode);
        Assert.Matches(@"^Client:\s+vireo \d", result.Stdout);
        Assert.Contains("vireod is not running at /nonexistent/vireod.sock", result.Stderr);
    }
}

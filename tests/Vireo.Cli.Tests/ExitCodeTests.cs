using System.Net.Sockets;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class ExitCodeTests : FakeDaemonTest
{
    [Theory]
    [InlineData(ErrorCodes.Invalid, 400, 2)]
    [InlineData(ErrorCodes.NotFound, 404, 3)]
    [InlineData(ErrorCodes.AlreadyExists, 409, 4)]
    [InlineData(ErrorCodes.InvalidState, 409, 4)]
    [InlineData(ErrorCodes.Busy, 409, 4)]
    [InlineData(ErrorCodes.QemuError, 502, 1)]
    [InlineData(ErrorCodes.Timeout, 504, 1)]
    [InlineData(ErrorCodes.Internal, 500, 1)]
    [InlineData(ErrorCodes.Unavailable, 503, 5)]
    public async Task Api_error_code_maps_to_its_exit_code_and_prints_the_detail(string code, int status, int exit)
    {
        Daemon.Fail("POST /v1/vms/web1/start", status, new ApiError { Status = status, Code = code, Title = "t", Detail = $"detail for {code}" });

        var result = await Vireo("start", "web1");

        Assert.Equal(exit, result.ExitCode);
        Assert.Equal($"error: detail for {code}\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Unknown_vm_exits_3()
    {
        var result = await Vireo("info", "nosuchvm");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("error: no VM named 'nosuchvm'", result.Stderr);
    }

    [Fact]
    public void Error_body_that_is_not_an_api_error_still_maps_by_http_status()
    {
        var proxy = Client.ApiErrorReader.FromBody(System.Net.HttpStatusCode.BadGateway, "Bad Gateway", "<html>proxy</html>");
        Assert.Equal(ErrorCodes.QemuError, proxy.Code);
        Assert.Contains("HTTP 502 Bad Gateway: <html>proxy</html>", proxy.Message);

        var empty = Client.ApiErrorReader.FromBody(System.Net.HttpStatusCode.NotFound, "Not Found", "");
        Assert.Equal(ErrorCodes.NotFound, empty.Code);
        Assert.Equal(3, ExitCodes.ForApiError(empty.Code));
    }

    [Fact]
    public async Task Missing_socket_exits_5_saying_the_daemon_is_not_running_and_how_to_start_it()
    {
        string socket = Path.Combine(Path.GetTempPath(), "vireo-missing-" + Guid.NewGuid().ToString("N")[..8] + ".sock");

        var result = await CliRunner.RunAsync(socket, ["list"]);

        Assert.Equal(5, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"vireod is not running at {socket}", result.Stderr);
        Assert.Contains("systemctl start vireod", result.Stderr);
        Assert.Contains($"vireod --socket {socket}", result.Stderr);
    }

    [Fact]
    public async Task Stale_socket_with_no_listener_exits_5_with_connection_refused()
    {
        string dir = Path.Combine("/tmp", "vireo-stale-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string socket = Path.Combine(dir, "vireod.sock");
        try
        {
            // Bound but not listening refuses connections just like the file a killed daemon leaves behind
            // (kept open: .NET unlinks the path when a bound socket is disposed).
            using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            stale.Bind(new UnixDomainSocketEndPoint(socket));

            var result = await CliRunner.RunAsync(socket, ["info", "web1"]);

            Assert.True(5 == result.ExitCode, result.Stderr);
            Assert.Contains($"vireod is not running at {socket} (connection refused", result.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Socket_flag_wins_over_the_environment_variable()
    {
        var result = await CliRunner.RunAsync("/nonexistent/env.sock", ["--socket", Daemon.SocketPath, "list"]);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Unknown_command_and_missing_argument_exit_2()
    {
        Assert.Equal(2, (await Vireo("lst")).ExitCode);
        var missing = await Vireo("shutdown");
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("error: vireo shutdown needs NAME (the VM's name)\nhint: vireo shutdown --help shows the usage\n", missing.Stderr);
        Assert.Empty(Sent());
    }

    [Fact]
    public async Task A_field_error_the_detail_already_says_is_printed_once_with_its_hint()
    {
        Daemon.Fail("POST /v1/pools/default/volumes", 400, new ApiError
        {
            Status = 400, Code = ErrorCodes.Invalid, Title = "invalid request",
            Detail = "invalid volume: size: \"abc\" is not a size",
            Errors = [new FieldError { Field = "size", Value = "abc", Message = "is not a size", Hint = "Write it with a unit: 20G" }],
        });

        var result = await Vireo("vol", "create", "default/data.qcow2", "--size", "20G");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: invalid volume: size: \"abc\" is not a size\nhint: Write it with a unit: 20G\n", result.Stderr);
    }

    [Fact]
    public async Task Several_field_errors_each_get_a_line_and_their_own_hint_and_the_error_hint_comes_last()
    {
        Daemon.Fail("POST /v1/networks", 400, new ApiError
        {
            Status = 400, Code = ErrorCodes.Invalid, Title = "invalid request", Detail = "invalid network: 2 problems",
            Hint = "See docs/networking.md",
            Errors =
            [
                new FieldError { Field = "subnet", Value = "10.0.0.0/33", Message = "is not a CIDR range" },
                new FieldError { Field = "bridge", Value = "br/0", Message = "is not a valid interface name", Hint = "Use letters and digits" },
            ],
        });

        var result = await Vireo("net", "create", "lab");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: invalid network: 2 problems\n" +
            "  subnet: \"10.0.0.0/33\" is not a CIDR range\n" +
            "  bridge: \"br/0\" is not a valid interface name\n" +
            "    hint: Use letters and digits\n" +
            "hint: See docs/networking.md\n", result.Stderr);
    }

    [Fact]
    public async Task A_name_the_client_refuses_to_put_in_a_url_is_bad_input()
    {
        var result = await Vireo("vol", "info", "default/..");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: volume \"default/..\"", result.Stderr);
        Assert.DoesNotContain("(Parameter", result.Stderr);
        Assert.Empty(Sent());
    }
}

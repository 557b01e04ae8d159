using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>virsh conveniences: list --name, vncdisplay, start --console; and read commands that say what is wrong.</summary>
public sealed class ConvenienceTests : FakeDaemonTest
{
    [Theory]
    [InlineData(new[] { "list", "--name" }, "cr1\nweb1\n")]
    [InlineData(new[] { "list", "-q" }, "cr1\nweb1\n")]
    [InlineData(new[] { "list", "--all", "--name" }, "cr1\ndb1\nweb1\n")]
    [InlineData(new[] { "list", "-q", "-a" }, "cr1\ndb1\nweb1\n")]
    public async Task List_names_only_one_per_line(string[] args, string stdout)
    {
        var result = await Vireo(args);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(stdout, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task List_names_of_nothing_is_nothing_and_names_exclude_json()
    {
        Daemon.Vms.RemoveAll(v => v.State != VmState.Stopped);
        Assert.Equal("", (await Vireo("list", "-q")).Stdout);

        var both = await Vireo("list", "-q", "-o", "json");
        Assert.Equal(2, both.ExitCode);
        Assert.StartsWith("error: --name and -o json exclude each other", both.Stderr);
    }

    [Fact]
    public async Task Vncdisplay_prints_the_display_as_a_viewer_takes_it()
    {
        var result = await Vireo("vncdisplay", "web1");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("127.0.0.1:0\n", result.Stdout);
    }

    [Fact]
    public async Task Vncdisplay_of_a_stopped_vm_a_vm_without_vnc_or_no_vm_fails_with_its_code()
    {
        var stopped = await Vireo("vncdisplay", "db1");
        Assert.Equal(4, stopped.ExitCode);
        Assert.Equal("error: VM \"db1\" is stopped; its VNC display exists only while it runs\nhint: Start it first: vireo start db1\n", stopped.Stderr);
        Assert.Equal("", stopped.Stdout);

        var serialOnly = Canned.Vm("ser1", VmState.Running, 77);
        Daemon.Vms.Add(serialOnly with
        {
            Spec = serialOnly.Spec with { Graphics = new GraphicsSpec { Type = "none" } },
            Runtime = serialOnly.Runtime! with { VncPort = null },
        });
        var none = await Vireo("vncdisplay", "ser1");
        Assert.Equal(4, none.ExitCode);
        Assert.StartsWith("error: VM \"ser1\" has no VNC display: its graphics are none\n", none.Stderr);

        Assert.Equal(3, (await Vireo("vncdisplay", "nosuchvm")).ExitCode);
    }

    [Fact]
    public async Task Undefine_says_undefined_once()
    {
        var result = await Vireo("undefine", "db1");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("VM db1 undefined\n", result.Stdout);
    }

    [Fact]
    public async Task Ip_of_a_stopped_vm_says_it_is_stopped_instead_of_an_old_lease()
    {
        var result = await Vireo("ip", "db1");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal("error: VM \"db1\" is stopped; it has IP addresses only while it runs\nhint: Start it first: vireo start db1\n", result.Stderr);
        Assert.DoesNotContain(Sent(), r => r.PathAndQuery.EndsWith("/addresses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ip_of_a_running_vm_is_a_table_of_its_addresses()
    {
        var result = await Vireo("ip", "web1");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("MAC                NETWORK  ADDRESS            SOURCE\n52:54:00:12:34:56  default  192.168.122.50/24  lease\n", result.Stdout);
    }

    [Fact]
    public async Task Start_console_starts_then_attaches_like_vireo_console()
    {
        var result = await VireoWithStdin("uname -a\n", "start", "web1", "--console");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("VM 'web1' started, now running.\n", result.Stdout);
        Assert.Contains(FakeShell.UnameAnswer, result.Stdout);
        Assert.Equal(["POST /v1/vms/web1/start", "GET /v1/vms/web1/console"],
            Sent().Select(r => $"{r.Method} {r.PathAndQuery.Split('?')[0]}"));
    }

    [Fact]
    public async Task Start_console_does_not_attach_when_the_start_fails()
    {
        Daemon.Fail("POST /v1/vms/web1/start", 409, new ApiError { Status = 409, Code = ErrorCodes.InvalidState, Title = "Invalid state", Detail = "VM \"web1\" is running" });
        var result = await VireoWithStdin("uname -a\n", "start", "web1", "--console");

        Assert.Equal(4, result.ExitCode);
        Assert.Single(Sent());
    }
}

namespace Vireo.Cli.Tests;

/// <summary>Command-line mistakes System.CommandLine finds, told in Vireo's words: error lines, a hint, exit 2.</summary>
public sealed class ParseErrorTests : FakeDaemonTest
{
    [Theory]
    [InlineData(new[] { "plan", "--help" }, "error: unknown command \"plan\"\nhint: vireo --help lists the commands\n")]
    [InlineData(new[] { "plan" }, "error: unknown command \"plan\"\nhint: vireo --help lists the commands\n")]
    [InlineData(new[] { "lsit", "-h" }, "error: unknown command \"lsit\"; did you mean list?\nhint: vireo --help lists the commands\n")]
    [InlineData(new[] { "net", "plan", "--help" }, "error: unknown command \"plan\" for vireo net\nhint: vireo net --help lists the commands\n")]
    [InlineData(new[] { "vol", "crate", "--help" }, "error: unknown command \"crate\" for vireo vol; did you mean create?\nhint: vireo vol --help lists the commands\n")]
    [InlineData(new[] { "--socket", "/x", "plan", "--help" }, "error: unknown command \"plan\"\nhint: vireo --help lists the commands\n")]
    public async Task An_unknown_command_is_unknown_even_with_help_after_it(string[] args, string stderr)
    {
        var result = await Vireo(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(stderr, result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("net", "--help")]
    [InlineData("net", "forward", "add", "--help")]
    [InlineData("vol", "convert", "default/a.raw", "-h")]
    public async Task Help_for_a_known_command_still_shows_it(params string[] args)
    {
        var result = await Vireo(args);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData(new[] { "list", "--al" }, "unknown option \"--al\" for vireo list; did you mean --all?")]
    [InlineData(new[] { "list", "--bogus" }, "unknown option \"--bogus\" for vireo list")]
    [InlineData(new[] { "shutdown", "--timout", "30", "web1" }, "unknown option \"--timout\" for vireo shutdown; did you mean --timeout?")]
    [InlineData(new[] { "start", "-x" }, "unknown option \"-x\" for vireo start; did you mean -o?")]
    [InlineData(new[] { "list", "--sokcet", "/x" }, "unknown option \"--sokcet\" for vireo list; did you mean --socket?")]
    [InlineData(new[] { "shutdown", "web1", "--timout=30" }, "unknown option \"--timout\" for vireo shutdown; did you mean --timeout?")]
    [InlineData(new[] { "start", "web1", "extra" }, "unexpected argument \"extra\": vireo start takes [NAME] only")]
    [InlineData(new[] { "list", "extra" }, "unexpected argument \"extra\": vireo list takes no arguments")]
    [InlineData(new[] { "shutdown" }, "vireo shutdown needs NAME (the VM's name)")]
    [InlineData(new[] { "shutdown", "web1", "--timeout" }, "--timeout needs a value: a whole number of seconds from 0 to 86400")]
    [InlineData(new[] { "shutdown", "web1", "--timeout", "1", "--timeout", "2" }, "--timeout is given 2 times; give it once")]
    [InlineData(new[] { "net" }, "vireo net needs a command: list, info, create, delete, start, stop, forward, reserve, unreserve, doctor, bridge-uplink")]
    [InlineData(new[] { "--socket" }, "--socket needs a value: PATH")]
    public async Task Mistakes_are_error_lines_in_vireo_words_and_nothing_is_sent(string[] args, string error)
    {
        var result = await Vireo(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: " + error + "\n", result.Stderr);
        Assert.Contains("\nhint: vireo", result.Stderr);
        Assert.DoesNotContain("System.", result.Stderr);
        Assert.DoesNotContain("Did you mean one of the following", result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Empty(Sent());
    }

    [Fact]
    public async Task Every_missing_required_option_is_named()
    {
        var result = await Vireo("net", "forward", "add", "default");
        Assert.Equal("error: vireo net forward add needs --host-port PORT\nerror: vireo net forward add needs --to VM:PORT\n" +
                     "hint: vireo net forward add --help shows the usage\n", result.Stderr);
    }

    [Fact]
    public async Task Negative_numbers_after_double_dash_and_at_signs_stay_arguments()
    {
        // -1 is a value, not an option; after -- anything is an argument; @x is not a response file.
        Assert.Equal(3, (await Vireo("info", "-1")).ExitCode);
        Assert.Equal(3, (await Vireo("info", "--", "-x")).ExitCode);
        Assert.Equal(3, (await Vireo("info", "@web1")).ExitCode);
        Assert.Equal(["/v1/vms/-1", "/v1/vms/-x", "/v1/vms/@web1"], Sent().Select(r => Uri.UnescapeDataString(r.PathAndQuery)));
    }

    [Fact]
    public async Task Posix_bundles_of_flags_still_work()
    {
        var result = await Vireo("list", "-aq");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("cr1\ndb1\nweb1\n", result.Stdout);
    }
}

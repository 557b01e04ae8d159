using System.Text.Json;
using Vireo.Cli.Options;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>Option and argument values: one grammar, one message naming the option, the value and the form.</summary>
public sealed class ValueParsingTests : FakeDaemonTest
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("86400", 86400)]
    [InlineData("30", 30)]
    public void Integer_takes_ascii_digits_in_range(string text, long expected)
    {
        Assert.Null(ValueParsers.Integer(text, 0, 86400, "seconds", out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("abc", "is not a number; give a whole number of seconds from 0 to 86400, e.g. 30")]
    [InlineData("", "is empty; give a whole number of seconds from 0 to 86400")]
    [InlineData("-1", "is negative; give a whole number of seconds from 0 to 86400")]
    [InlineData("86401", "is more than 86400; give a whole number of seconds from 0 to 86400")]
    [InlineData("99999999999999999999", "is more than 86400")]
    [InlineData("1e400", "is not a number")]
    [InlineData("1.5", "is not a whole number")]
    [InlineData("0x10", "is not a number: write it in decimal")]
    [InlineData("NaN", "is not a number")]
    [InlineData("１２", "is not a number: only the digits 0-9 count")]
    [InlineData("+5", "is not a number")]
    [InlineData(" 5", "is not a number")]
    public void Integer_refuses_everything_else_saying_why_and_the_range(string text, string problem) =>
        Assert.StartsWith(problem, ValueParsers.Integer(text, 0, 86400, "seconds", out _));

    [Theory]
    [InlineData("2", 2.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("0", 0.0)]
    public void Fractional_seconds(string text, double expected)
    {
        Assert.Null(ValueParsers.Decimal(text, 0, 86400, "seconds", out double value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    [InlineData("-0.5")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("86400.5")]
    [InlineData("123456789012345678901234567890")]
    public void Fractional_seconds_refuse_what_double_parse_would_take(string text) =>
        Assert.NotNull(ValueParsers.Decimal(text, 0, 86400, "seconds", out _));

    [Theory]
    [InlineData("2048", 2048)]
    [InlineData("512M", 512)]
    [InlineData("1G", 1024)]
    [InlineData("1.5GiB", 1536)]
    [InlineData("2048 MiB", 2048)]
    public void Memory_sizes_are_written_as_in_specs_and_a_bare_number_is_mib(string text, long mib)
    {
        Assert.Null(ValueParsers.SizeMiB(text, out long value));
        Assert.Equal(mib, value);
    }

    [Theory]
    [InlineData("1GB", "ambiguous")]
    [InlineData("512K", "not a whole number of MiB")]
    [InlineData("0", "is zero")]
    [InlineData("-1G", "is negative")]
    [InlineData("99999999999999999999", "is too large")]
    [InlineData("１２", "digits other than 0-9")]
    public void Memory_sizes_refused_with_the_spec_grammar_messages(string text, string problem) =>
        Assert.Contains(problem, ValueParsers.SizeMiB(text, out _));

    [Fact]
    public void Byte_sizes_need_a_unit_and_say_why()
    {
        Assert.Equal("has no unit, and a bare number could mean bytes or GiB; add one, e.g. 20G, 20M or 20B for bytes",
            ValueParsers.Bytes("20", out _));
        Assert.Null(ValueParsers.Bytes("20G", out long bytes));
        Assert.Equal(20L << 30, bytes);
        Assert.Null(ValueParsers.SizeOrGrowth("+10G", out _));
        Assert.Contains("+SIZE grows it", ValueParsers.SizeOrGrowth("+10", out _));
    }

    [Fact]
    public void Choices_in_any_case_with_the_nearest_one_suggested()
    {
        Assert.Null(ValueParsers.Choice("QCOW2", ["raw", "qcow2"], out string value));
        Assert.Equal("qcow2", value);
        Assert.Equal("is not one of raw or qcow2; did you mean qcow2?", ValueParsers.Choice("qcow", ["raw", "qcow2"], out _));
        Assert.Equal("is not one of destroy, restart, preserve", ValueParsers.Choice("zzz", ["destroy", "restart", "preserve"], out _));
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("OFF", false)]
    [InlineData("yes", true)]
    [InlineData("0", false)]
    public void On_off(string text, bool expected)
    {
        Assert.Null(ValueParsers.OnOff(text, out bool value));
        Assert.Equal(expected, value);
        Assert.NotNull(ValueParsers.OnOff("maybe", out _));
    }

    [Fact]
    public void Quoted_values_are_escaped_and_cut_short()
    {
        Assert.Equal("\"a\\u001b[31mb\"", ValueText.Quote("a\u001b[31mb"));
        var quoted = ValueText.Quote(new string('x', 10240));
        Assert.Equal($"\"{new string('x', 60)}...\" (10240 characters)", quoted);
    }

    [Theory]
    [InlineData(new[] { "shutdown", "web1", "--timeout", "abc" }, "--timeout \"abc\" is not a number; give a whole number of seconds from 0 to 86400, e.g. 30")]
    [InlineData(new[] { "console", "web1", "--idle", "abc" }, "--idle \"abc\" is not a plain number; give a number of seconds from 0 to 86400, written like 2 or 0.5")]
    [InlineData(new[] { "logs", "web1", "--tail", "99999999999999999999" }, "--tail \"99999999999999999999\" is more than 2147483647; give a whole number of lines from 0 to 2147483647")]
    [InlineData(new[] { "logs", "web1", "-n", "abc" }, "--tail \"abc\" is not a number")]
    [InlineData(new[] { "create", "--name", "x", "--memory", "1X" }, "--memory \"1X\" has the unknown unit \"X\"")]
    [InlineData(new[] { "create", "--name", "x", "--vcpus", "0" }, "--vcpus \"0\" is less than 1; give a whole number of vCPUs from 1 to 1024")]
    [InlineData(new[] { "net", "forward", "add", "default", "--host-port", "abc", "--to", "web1:80" }, "--host-port \"abc\" is not a number; give a whole number from 1 to 65535, e.g. 8080")]
    [InlineData(new[] { "vol", "create", "default/a.qcow2", "--size", "20" }, "--size \"20\" has no unit, and a bare number could mean bytes or GiB")]
    [InlineData(new[] { "vol", "resize", "default/a.qcow2", "big" }, "SIZE \"big\" is not a size")]
    [InlineData(new[] { "vol", "import", "default/a.raw", "--from", "/a", "--source-format", "vmdk" }, "--source-format \"vmdk\" is not one of raw or qcow2")]
    [InlineData(new[] { "domif-setlink", "web1", "52:54:00:12:34:56", "sideways" }, "STATE \"sideways\" is not one of up or down")]
    [InlineData(new[] { "info", "" }, "NAME \"\" is empty; give a name")]
    [InlineData(new[] { "backup", "web1", "--to", "/b", "--bandwidth", "1.5K" }, "--bandwidth \"1.5K\" is 1536B, not a whole number of MiB")]
    [InlineData(new[] { "list", "-o", "yaml" }, "--output \"yaml\" is not one of table or json")]
    public async Task A_bad_value_is_one_error_line_naming_option_value_and_form_and_nothing_is_sent(string[] args, string message)
    {
        var result = await Vireo(args);

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: " + message, lines[0]);
        Assert.StartsWith("hint: vireo ", lines[1]);
        Assert.Equal(2, lines.Length);
        Assert.Equal("", result.Stdout);
        Assert.Empty(Sent());
    }

    [Theory]
    [InlineData("1G", 1024)]
    [InlineData("512M", 512)]
    [InlineData("2048", 2048)]
    public async Task Create_memory_takes_sizes_like_specs(string memory, long mib)
    {
        var result = await Vireo("create", "--name", "m1", "--image", "tiny", "--memory", memory);

        Assert.Equal(0, result.ExitCode);
        var spec = JsonSerializer.Deserialize(Assert.Single(Sent(), r => r.Method == "POST").Body, VireoJsonContext.Default.VmSpec)!;
        Assert.Equal(mib, spec.Memory);
    }

    [Fact]
    public async Task Volume_and_rate_sizes_are_sent_exactly_in_binary_units()
    {
        await Vireo("vol", "create", "default/a.qcow2", "--size", "1.5G");
        await Vireo("vol", "clone", "default/a.qcow2", "default/b.qcow2", "--rate-limit", "50M", "--no-wait");

        var create = JsonSerializer.Deserialize(Sent()[0].Body, VireoJsonContext.Default.VolumeCreateRequest)!;
        Assert.Equal("1536MiB", create.Size);
        var copy = JsonSerializer.Deserialize(Sent()[1].Body, VireoJsonContext.Default.VolumeCopyRequest)!;
        Assert.Equal("50MiB", copy.RateLimit);
    }
}

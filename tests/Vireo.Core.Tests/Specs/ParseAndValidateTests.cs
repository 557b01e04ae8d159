using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class ParseAndValidateTests
{
    [Fact]
    public void A_valid_spec_yields_the_spec_and_no_errors()
    {
        var result = VmSpecParser.ParseAndValidate(Lines("name: web1", "memory: 1G", "boot:", $"  kernel: {Kernel}"), Limits);
        Assert.True(result.Success);
        Assert.Equal(1024, result.Spec!.Memory);
        Assert.Equal("ok", result.ToString());
    }

    [Fact]
    public void Five_different_problems_across_parsing_and_rules_are_all_reported()
    {
        var result = VmSpecParser.ParseAndValidate(Lines(
            "name: web/1",
            "vcpus: 64",
            "memory: 12",
            "boot:",
            "  kernel: /nope/vmlinuz",
            "disks:",
            "  - path: " + DiskImage,
            "    fromat: qcow2"), Limits);

        Assert.Null(result.Spec);
        Assert.Equal(6, result.Errors.Count);
        AssertError(result.Errors, "disks[0].fromat", "did you mean \"format\"?");
        AssertError(result.Errors, "name", "contains \"/\"");
        AssertError(result.Errors, "vcpus", "exceeds the 2 logical CPUs");
        AssertError(result.Errors, "memory", "below the 16 MiB minimum");
        AssertError(result.Errors, "boot.kernel", "does not exist");
        AssertError(result.Errors, "disks[0].format", "missing; give raw or qcow2");
    }

    [Fact]
    public void A_field_that_failed_to_parse_is_not_reported_again_by_the_rules()
    {
        var result = VmSpecParser.ParseAndValidate(Lines("vcpus: two", "boot:", $"  kernel: {Kernel}"), Limits);
        Assert.Equal(["vcpus", "name"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void A_broken_list_entry_keeps_the_indices_of_the_entries_after_it()
    {
        var result = VmSpecParser.ParseAndValidate(Lines(
            "name: web1",
            "disks:",
            "  - /not/a/mapping.img",
            "  - {path: /nope.img, format: raw}"), Limits);
        Assert.Equal(["disks[0]", "disks[1].path"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void A_syntax_error_stops_before_the_rules() =>
        Assert.Equal("(document)", Assert.Single(VmSpecParser.ParseAndValidate("name: [", Limits).Errors).Field);

    [Fact]
    public void The_result_renders_one_error_per_line()
    {
        var result = VmSpecParser.ParseAndValidate(Lines("name: a b", "vcpus: 3", "boot:", $"  kernel: {Kernel}"), Limits);
        Assert.Equal(
            "name: \"a b\" contains a space; use 1-63 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit"
            + Environment.NewLine + "vcpus: \"3\" exceeds the 2 logical CPUs of this host; give at most 2",
            result.ToString());
    }

    [Fact]
    public void Host_limits_can_be_read_from_this_machine()
    {
        var host = HostLimits.FromCurrentHost();
        Assert.Equal(Environment.ProcessorCount, host.HostCpus);
        Assert.InRange(host.HostMemoryMiB, 64, 64L * 1024 * 1024);
        Assert.Null(host.KvmAvailable);
    }
}

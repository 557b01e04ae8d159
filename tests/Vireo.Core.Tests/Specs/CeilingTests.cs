using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

/// <summary>max_vcpus and max_memory: the ceilings a running VM can be given by hot-plug and balloon.</summary>
public sealed class CeilingTests
{
    [Fact]
    public void Ceilings_at_or_above_what_they_bound_and_within_the_host_are_valid()
    {
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Vcpus = 1, MaxVcpus = 2, Memory = 256, MaxMemory = 1024 }, Limits));
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Vcpus = 2, MaxVcpus = 2, Memory = 256, MaxMemory = 256 }, Limits));
    }

    [Fact]
    public void A_ceiling_below_what_it_bounds_or_beyond_the_host_names_the_field_and_the_limit()
    {
        AssertInvalid(ValidSpec() with { Vcpus = 2, MaxVcpus = 1 }, "max_vcpus", "is below vcpus (2)");
        AssertInvalid(ValidSpec() with { MaxVcpus = Limits.HostCpus + 1 }, "max_vcpus", $"exceeds the {Limits.HostCpus} logical CPUs");
        AssertInvalid(ValidSpec() with { Memory = 512, MaxMemory = 256 }, "max_memory", "is below memory (512MiB)");
        AssertInvalid(ValidSpec() with { MaxMemory = Limits.HostMemoryMiB + 1 }, "max_memory", "is more than this host's");
    }

    [Fact]
    public void Ceilings_round_trip_through_yaml_and_are_left_out_when_not_set()
    {
        var spec = ValidSpec() with { Vcpus = 1, MaxVcpus = 2, Memory = 512, MaxMemory = 2048 };
        var yaml = VmSpecWriter.ToYaml(spec);
        Assert.Contains("max_vcpus: 2\n", yaml);
        Assert.Contains("max_memory: 2GiB\n", yaml);
        var parsed = VmSpecParser.Parse(yaml).Spec!;
        Assert.Equal((2, 2048L), (parsed.MaxVcpus!.Value, parsed.MaxMemory!.Value));
        Assert.DoesNotContain("max_", VmSpecWriter.ToYaml(ValidSpec()));
        Assert.Null(VmSpecParser.Parse(VmSpecWriter.ToYaml(ValidSpec())).Spec!.MaxMemory);
    }
}

using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecValidatorTests
{
    [Fact]
    public void The_baseline_spec_is_valid() => Assert.Empty(VmSpecValidator.Validate(ValidSpec(), Limits));

    [Theory]
    [InlineData("web/1", "name: \"web/1\" contains \"/\"")]
    [InlineData("..", "name: \"..\" is a path component")]
    [InlineData("my vm", "name: \"my vm\" contains a space")]
    [InlineData("", "name: \"\" is empty")]
    public void Name_rule_is_applied(string name, string fragment) =>
        AssertInvalid(ValidSpec() with { Name = name }, "name", fragment);

    [Fact]
    public void Control_characters_in_a_name_are_shown_escaped()
    {
        var error = AssertInvalid(ValidSpec() with { Name = "web\u0007" }, "name", "contains the control character \\u0007");
        Assert.Equal("web\\u0007", error.Value);
        Assert.DoesNotContain('\u0007', error.ToString());
    }

    [Theory]
    [InlineData("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11")]
    [InlineData("6C7B2A52-93F4-4A55-9B8C-3F3D1C0E8A11")]
    public void Valid_uuids_pass(string uuid) => Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Uuid = uuid }, Limits));

    [Theory]
    [InlineData("not-a-uuid", "is not a UUID")]
    [InlineData("6c7b2a5293f44a559b8c3f3d1c0e8a11", "is not a UUID")]
    [InlineData("{6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11}", "is not a UUID")]
    [InlineData("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a1", "is not a UUID")]
    [InlineData("00000000-0000-0000-0000-000000000000", "is the nil UUID")]
    public void Invalid_uuids_fail(string uuid, string fragment) =>
        AssertInvalid(ValidSpec() with { Uuid = uuid }, "uuid", fragment);

    [Fact]
    public void Vcpus_must_be_at_least_one() =>
        AssertInvalid(ValidSpec() with { Vcpus = 0 }, "vcpus", "vcpus: \"0\" is too few");

    [Fact]
    public void Vcpus_cannot_exceed_the_host() =>
        AssertInvalid(ValidSpec() with { Vcpus = 64 }, "vcpus", "vcpus: \"64\" exceeds the 2 logical CPUs of this host; give at most 2");

    [Fact]
    public void Vcpus_equal_to_the_host_are_fine() =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Vcpus = 2 }, Limits));

    [Theory]
    [InlineData(12, "memory: \"12MiB\" is below the 16 MiB minimum")]
    [InlineData(0, "memory: \"0\" is below the 16 MiB minimum")]
    [InlineData(-5, "memory: \"-5\" is below the 16 MiB minimum")]
    public void Memory_has_a_minimum(long mib, string fragment) =>
        AssertInvalid(ValidSpec() with { Memory = mib }, "memory", fragment);

    [Fact]
    public void Memory_cannot_exceed_the_host() =>
        AssertInvalid(ValidSpec() with { Memory = 65536 }, "memory",
            "memory: \"64GiB\" is more than this host's 23.4 GiB of memory; give at most 23968MiB");

    [Fact]
    public void Memory_at_the_bounds_is_fine()
    {
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Memory = 16 }, Limits));
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Memory = 23968 }, Limits));
    }

    [Theory]
    [InlineData("q35")]
    [InlineData("pc")]
    [InlineData("pc-q35-7.2")]
    [InlineData("pc-i440fx-7.2")]
    [InlineData("pc-q35-10.0")]
    public void Supported_machines_pass(string machine) =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Machine = machine }, Limits));

    [Theory]
    [InlineData("virt", "machine: \"virt\" is not a supported machine type; use q35, pc")]
    [InlineData("Q35", "did you mean \"q35\"?")]
    [InlineData("pc-q35", "use q35, pc, or a versioned pc-q35-7.2")]
    [InlineData("pc-q35-7.2\n", "is not a supported machine type")]
    [InlineData("microvm", "is not a supported machine type")]
    public void Other_machines_fail(string machine, string fragment) =>
        AssertInvalid(ValidSpec() with { Machine = machine }, "machine", fragment);

    [Theory]
    [InlineData("auto")]
    [InlineData("host", "kvm")]
    [InlineData("max")]
    [InlineData("Skylake-Client-v4")]
    [InlineData("qemu64")]
    public void Cpu_models_pass(string cpu, string accel = "auto") =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Cpu = cpu, Accel = accel }, Limits));

    [Theory]
    [InlineData("Skylake,+avx512f", "cpu: \"Skylake,+avx512f\" is not a CPU model name")]
    [InlineData("max\n", "is not a CPU model name")]
    [InlineData("", "is not a CPU model name")]
    public void Cpu_model_names_cannot_smuggle_options(string cpu, string fragment) =>
        AssertInvalid(ValidSpec() with { Cpu = cpu }, "cpu", fragment);

    [Fact]
    public void Cpu_host_needs_kvm() =>
        AssertInvalid(ValidSpec() with { Cpu = "host", Accel = "tcg" }, "cpu", "needs KVM, but accel is tcg");

    [Fact]
    public void Cpu_host_on_a_host_without_kvm_fails() =>
        AssertInvalid(ValidSpec() with { Cpu = "host" }, "cpu", "which this host does not have", Limits with { KvmAvailable = false });

    [Theory]
    [InlineData("auto")]
    [InlineData("kvm")]
    [InlineData("tcg")]
    public void Accelerators_pass_when_kvm_is_unknown(string accel) =>
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Accel = accel }, Limits));

    [Theory]
    [InlineData("xen", "accel: \"xen\" is not an accelerator; use one of auto, kvm, tcg")]
    [InlineData("kmv", "did you mean \"kvm\"?")]
    public void Unknown_accelerators_fail(string accel, string fragment) =>
        AssertInvalid(ValidSpec() with { Accel = accel }, "accel", fragment);

    [Fact]
    public void Kvm_on_a_host_without_kvm_fails() =>
        AssertInvalid(ValidSpec() with { Accel = "kvm" }, "accel", "needs /dev/kvm", Limits with { KvmAvailable = false });

    [Fact]
    public void Kvm_on_request_passes_where_auto_would_not_choose_it()
    {
        // A PVM host: /dev/kvm runs only PVM guest kernels, so auto means TCG, but accel: kvm may be asked for.
        var pvm = Limits with { KvmAvailable = false, KvmRequestable = true };
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Accel = "kvm" }, pvm));
        AssertInvalid(ValidSpec() with { Cpu = "host" }, "cpu", "which this host does not have", pvm);
    }

    [Fact]
    public void Description_may_have_newlines_but_no_other_control_characters()
    {
        Assert.Empty(VmSpecValidator.Validate(ValidSpec() with { Description = "line one\nline two\tend" }, Limits));
        AssertInvalid(ValidSpec() with { Description = "red\u001b[31m" }, "description", "control character \\u001b");
        AssertInvalid(ValidSpec() with { Description = new string('x', 4097) }, "description", "is 4097 characters long");
    }

    [Fact]
    public void Image_is_one_line() =>
        AssertInvalid(ValidSpec() with { Image = "tiny\n" }, "image", "control character \\u000a");

    [Fact]
    public void Long_values_are_shortened_in_messages()
    {
        var error = AssertInvalid(ValidSpec() with { Machine = new string('m', 500) }, "machine", "is not a supported machine");
        Assert.True(error.Value!.Length <= 81);
        Assert.EndsWith("…", error.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_different_problems_yield_five_errors()
    {
        var spec = ValidSpec() with
        {
            Name = "bad/name",
            Vcpus = 64,
            Memory = 12,
            Disks = [new DiskSpec { Path = DiskImage }],
            Nics = [new NicSpec { Type = "user", Mac = "01:00:5e:00:00:01" }],
        };
        var errors = VmSpecValidator.Validate(spec, Limits);
        Assert.Equal(["name", "vcpus", "memory", "disks[0].format", "nics[0].mac"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Messages_follow_the_path_value_problem_fix_style()
    {
        var spec = ValidSpec() with { Name = "a b", Vcpus = 9, Machine = "virt", Graphics = new GraphicsSpec { Port = 80 } };
        foreach (var error in VmSpecValidator.Validate(spec, Limits))
            Assert.Matches("^[a-z_.\\[\\]0-9]+: \"[^\"]*\" [^;]+; .+$", error.ToString());
    }
}

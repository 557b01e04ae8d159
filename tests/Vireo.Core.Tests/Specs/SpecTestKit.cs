using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

/// <summary>Shared fixtures: a 2-CPU, 23.4 GiB host with a fixed set of files, and error assertions.</summary>
internal static class SpecTestKit
{
    public const string Kernel = "/var/lib/vireo/images/tiny/vmlinuz";
    public const string Initrd = "/var/lib/vireo/images/tiny/initrd.img";
    public const string DiskImage = "/var/lib/vireo/vms/web1/root.qcow2";
    public const string DataImage = "/var/lib/vireo/vms/web1/data.raw";
    public const string Iso = "/var/lib/vireo/iso/debian-12.iso";

    /// <summary>A fake file system (named as such): only these paths "exist".</summary>
    public static readonly HashSet<string> ExistingFiles = [Kernel, Initrd, DiskImage, DataImage, Iso];

    public static HostLimits Limits { get; } = new()
    {
        HostCpus = 2,
        HostMemoryMiB = 23968,
        FileExists = ExistingFiles.Contains,
    };

    /// <summary>A spec that passes every rule on <see cref="Limits"/>; tests break one thing at a time.</summary>
    public static VmSpec ValidSpec() => new()
    {
        Name = "web1",
        Vcpus = 2,
        Memory = 1024,
        Boot = new BootSpec { Kernel = Kernel, Initrd = Initrd, Cmdline = "console=ttyS0" },
        Disks = [new DiskSpec { Path = DiskImage, Format = "qcow2" }],
        Nics = [new NicSpec { Type = "user" }],
    };

    public static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";

    public static string ToJson(VmSpec spec) => JsonSerializer.Serialize(spec, VireoJsonContext.Default.VmSpec);

    /// <summary>Records compare lists by reference, so specs are compared through their wire JSON.</summary>
    public static void AssertSameSpec(VmSpec expected, VmSpec? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(ToJson(expected), ToJson(actual));
    }

    public static VmSpec ParseOk(string text)
    {
        var result = VmSpecParser.Parse(text);
        Assert.True(result.Success, "expected no errors, got:\n" + result);
        return result.Spec!;
    }

    /// <summary>Asserts exactly one error for <paramref name="field"/> and that it contains <paramref name="fragment"/>.</summary>
    public static FieldError AssertError(IReadOnlyList<FieldError> errors, string field, string fragment)
    {
        var matching = errors.Where(e => e.Field == field).ToList();
        Assert.True(matching.Count == 1,
            $"expected one error for '{field}', got {matching.Count}:\n" + string.Join("\n", errors));
        Assert.Contains(fragment, matching[0].ToString(), StringComparison.Ordinal);
        return matching[0];
    }

    public static FieldError AssertParseError(string text, string field, string fragment)
    {
        var result = VmSpecParser.Parse(text);
        Assert.Null(result.Spec);
        return AssertError(result.Errors, field, fragment);
    }

    public static FieldError AssertInvalid(VmSpec spec, string field, string fragment, HostLimits? host = null)
    {
        var errors = VmSpecValidator.Validate(spec, host ?? Limits);
        var error = AssertError(errors, field, fragment);
        Assert.Single(errors);
        return error;
    }
}

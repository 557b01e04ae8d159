using Vireo.Contracts;
using Vireo.Host.Firmware;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

/// <summary>OVMF found through QEMU firmware descriptors (the layout of Debian's ovmf package), and the host check line.</summary>
public sealed class FirmwareTests
{
    private const string Dir = "usr/share/qemu/firmware";

    private static void Describe(FixtureHost host, string file, string code, string vars, params string[] features)
    {
        host.Write($"usr/share/OVMF/{code}", "code");
        host.Write($"usr/share/OVMF/{vars}", "vars");
        var f = string.Join(", ", features.Select(x => $"\"{x}\""));
        host.Write($"{Dir}/{file}", $$"""
            { "description": "test", "interface-types": ["uefi"],
              "mapping": { "device": "flash",
                "executable": { "filename": "{{host.PathOf("usr/share/OVMF/" + code)}}", "format": "raw" },
                "nvram-template": { "filename": "{{host.PathOf("usr/share/OVMF/" + vars)}}", "format": "raw" } },
              "targets": [ { "architecture": "x86_64", "machines": ["pc-i440fx-*", "pc-q35-*"] } ],
              "features": [{{f}}], "tags": [] }
            """);
    }

    private static void DebianLayout(FixtureHost host)
    {
        Describe(host, "40-edk2-x86_64-secure-enrolled.json", "OVMF_CODE_4M.ms.fd", "OVMF_VARS_4M.ms.fd", "requires-smm", "secure-boot", "enrolled-keys");
        Describe(host, "50-edk2-x86_64-secure.json", "OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.fd", "requires-smm", "secure-boot");
        Describe(host, "60-edk2-x86_64.json", "OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd", "acpi-s3");
    }

    [Fact]
    public void Plain_and_secure_boot_builds_are_picked_from_the_descriptors_features()
    {
        using var host = FixtureHost.Load("intel-kvm");
        DebianLayout(host);
        var locator = new FirmwareLocator(host.Env.FirmwareDescriptorDirs);
        var plain = locator.Find(secureBoot: false)!;
        Assert.Equal(host.PathOf("usr/share/OVMF/OVMF_CODE_4M.fd"), plain.CodePath);
        Assert.Equal(host.PathOf("usr/share/OVMF/OVMF_VARS_4M.fd"), plain.VarsTemplatePath);
        Assert.False(plain.RequiresSmm);
        var secure = locator.Find(secureBoot: true)!;
        Assert.Equal(host.PathOf("usr/share/OVMF/OVMF_CODE_4M.ms.fd"), secure.CodePath);
        Assert.Equal(host.PathOf("usr/share/OVMF/OVMF_VARS_4M.ms.fd"), secure.VarsTemplatePath);
        Assert.True(secure.RequiresSmm && secure.EnrolledKeys);
    }

    [Fact]
    public void A_descriptor_whose_files_are_missing_or_that_is_not_json_is_skipped()
    {
        using var host = FixtureHost.Load("intel-kvm");
        DebianLayout(host);
        host.Delete("usr/share/OVMF/OVMF_CODE_4M.fd");
        host.Write($"{Dir}/10-broken.json", "{ not json");
        var locator = new FirmwareLocator(host.Env.FirmwareDescriptorDirs);
        // Falls back to the secure-boot build's code for a plain VM only when nothing else is there: here none.
        Assert.Null(locator.Find(secureBoot: false));
        Assert.NotNull(locator.Find(secureBoot: true));
    }

    [Fact]
    public async Task Host_check_warns_naming_the_package_when_no_descriptor_is_installed()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.UefiFirmware);
        Assert.Equal(CheckStatus.Warn, item.Status);
        Assert.Contains(host.PathOf(Dir), item.Detail);
        Assert.Contains("apt-get install ovmf", item.Fix);
    }

    [Fact]
    public async Task Host_check_passes_and_names_both_builds_when_ovmf_is_installed()
    {
        using var host = FixtureHost.Load("intel-kvm");
        DebianLayout(host);
        var item = await host.CheckAsync(HostCheckIds.UefiFirmware);
        Assert.Equal(CheckStatus.Pass, item.Status);
        Assert.Contains("OVMF_CODE_4M.fd", item.Detail);
        Assert.Contains("OVMF_CODE_4M.ms.fd with Microsoft keys enrolled", item.Detail);
    }
}

using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Unit;

/// <summary>Parsers run on outputs recorded from Debian's QEMU 7.2.22 (Fixtures/qemu-7.2.22).</summary>
public sealed class HelpParserTests
{
    private static string Fixture(string name) => File.ReadAllText(TestPaths.Fixture(name));

    [Fact]
    public void Version_and_package_come_from_version_output()
    {
        var (version, package) = QemuHelpParsers.ParseVersion(Fixture("version.txt"))!.Value;
        Assert.Equal(new QemuVersion(7, 2, 22), version);
        Assert.Equal("Debian 1:7.2+dfsg-7+deb12u18+b3", package);
    }

    [Theory]
    [InlineData("QEMU emulator version 8.2.0 (qemu-kvm-8.2.0-11.el9_4)", 8, 2, 0, "qemu-kvm-8.2.0-11.el9_4")]
    [InlineData("QEMU emulator version 9.1.50 (v9.1.0-1234-gdeadbeef)\nCopyright", 9, 1, 50, "v9.1.0-1234-gdeadbeef")]
    [InlineData("QEMU emulator version 6.2.0", 6, 2, 0, null)]
    public void Version_lines_of_other_builds_parse(string text, int major, int minor, int micro, string? package)
    {
        // Handwritten from the formats RHEL and source builds print; not recorded outputs.
        var (version, pkg) = QemuHelpParsers.ParseVersion(text)!.Value;
        Assert.Equal(new QemuVersion(major, minor, micro), version);
        Assert.Equal(package, pkg);
    }

    [Fact]
    public void Non_qemu_version_output_is_not_understood() => Assert.Null(QemuHelpParsers.ParseVersion("bash, version 5.2"));

    [Fact]
    public void Machines_carry_default_alias_and_deprecation_marks()
    {
        var machines = QemuHelpParsers.ParseMachines(Fixture("machine-help.txt"));
        Assert.Equal(machines.Count, Fixture("machine-help.txt").Trim().Split('\n').Length - 1);
        var q35 = machines.Single(m => m.Name == "q35");
        Assert.Equal("pc-q35-7.2", q35.AliasOf);
        Assert.Equal("Standard PC (Q35 + ICH9, 2009)", q35.Description);
        var def = machines.Single(m => m.IsDefault);
        Assert.Equal("pc-i440fx-7.2", def.Name);
        Assert.Null(def.AliasOf);
        Assert.True(machines.Single(m => m.Name == "pc-i440fx-1.4").IsDeprecated);
        Assert.Equal("pc-i440fx-7.2", machines.Single(m => m.Name == "pc").AliasOf);
    }

    [Fact]
    public void Accelerators_are_listed_without_the_header() =>
        Assert.Equal(["tcg", "kvm"], QemuHelpParsers.ParseAccelerators(Fixture("accel-help.txt")));

    [Fact]
    public void Devices_include_names_and_aliases_of_every_category()
    {
        var devices = QemuHelpParsers.ParseDevices(Fixture("device-help.txt"));
        Assert.Contains("virtio-blk-pci", devices);
        Assert.Contains("virtio-blk", devices);
        Assert.Contains("pvpanic", devices);
        Assert.Contains("VGA", devices);
        Assert.Contains("pcie-root-port", devices);
        Assert.DoesNotContain("Controller/Bridge/Hub devices:", devices);
        var caps = new QemuCapabilities
        {
            BinaryPath = "/usr/bin/qemu-system-x86_64",
            Version = new QemuVersion(7, 2, 22),
            Machines = [],
            Accelerators = [],
            Devices = devices,
        };
        Assert.Empty(caps.MissingModelDevices());
    }

    [Fact]
    public void Versions_order_numerically()
    {
        Assert.True(new QemuVersion(7, 10, 0) > new QemuVersion(7, 2, 22));
        Assert.True(new QemuVersion(8, 0, 0) >= new QemuVersion(8, 0, 0));
        Assert.Equal("7.2.22", new QemuVersion(7, 2, 22).ToString());
    }
}

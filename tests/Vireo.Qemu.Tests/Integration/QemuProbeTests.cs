using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class QemuProbeTests
{
    [Fact]
    public async Task Probe_of_the_installed_qemu_finds_version_machines_accelerators_and_model_devices()
    {
        var caps = await QemuProbe.ProbeAsync(TestPaths.Emulator, CancellationToken.None);
        Assert.True(caps.Version >= new QemuVersion(7, 2, 0));
        Assert.True(caps.HasMachine("q35"));
        Assert.StartsWith("pc-q35-", caps.ResolveMachine("q35"));
        Assert.NotNull(caps.DefaultMachine);
        Assert.True(caps.HasAccelerator("tcg"));
        Assert.Empty(caps.MissingModelDevices());
    }

    [Fact]
    public async Task Second_probe_of_an_unchanged_binary_is_served_from_cache()
    {
        var a = await QemuProbe.ProbeAsync(TestPaths.Emulator, CancellationToken.None);
        var b = await QemuProbe.ProbeAsync(TestPaths.Emulator, CancellationToken.None);
        Assert.Same(a, b);
    }

    [Fact]
    public async Task Probe_of_a_non_qemu_binary_fails_clearly()
    {
        var e = await Assert.ThrowsAsync<QemuProbeException>(() => QemuProbe.ProbeAsync("/bin/true", CancellationToken.None));
        Assert.Contains("version", e.Message);
    }

    [Fact]
    public void Locate_prefers_the_override_and_reports_a_bad_one_as_missing()
    {
        Assert.Equal("/bin/true", QemuBinary.LocateEmulator("/bin/true"));
        Assert.Null(QemuBinary.LocateEmulator("/nonexistent/qemu"));
        Assert.EndsWith("qemu-system-x86_64", QemuBinary.LocateEmulator(null));
    }
}
